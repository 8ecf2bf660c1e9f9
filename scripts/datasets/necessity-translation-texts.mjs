// Passages to translate, composed from hand-written parts per genre so that no two are alike: emails, product
// copy, itineraries, recipes, notices, support replies and story excerpts, plus paragraphs written in other languages.

const NAMES = ["Amara", "Jonas", "Priya", "Mateo", "Sofia", "Kenji", "Leila", "Tomasz", "Ingrid", "Diego", "Chloé", "Oluwaseun", "Hannah", "Ravi", "Yuki", "Elena", "Marcus", "Aisha", "Pieter", "Noor"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

const EMAIL = {
  open: ["I hope you had a good weekend.", "Thanks for your quick reply yesterday.", "I'm writing to follow up on our call last week.", "Apologies for the late answer; the last few days were hectic.", "Thank you for sending the draft contract.", "I wanted to give you a short update before the holidays."],
  body: [
    "The supplier has confirmed that the second shipment will arrive {day}, two days later than planned.", "We reviewed the budget and can cover the travel costs, but not the extra hotel night.",
    "Our team found three issues in the latest build; the most serious one affects the login page on older phones.", "The venue can host up to {guests} guests, and catering must be confirmed one week in advance.",
    "Legal asked us to change clause 4 so that the notice period is sixty days instead of thirty.", "The workshop has been moved to room {room} on the third floor because of the renovation.",
    "Several customers reported that the invoices show the wrong VAT rate since the update.", "We would like to extend the pilot by another quarter and include the warehouse in Rotterdam.",
    "The new intern, {name}, will start on {day} and will sit with the design team.", "Our auditors need the signed statements by the end of the month at the latest.",
    "I've attached the revised floor plan with the changes we discussed.", "Unfortunately the price of aluminium has risen, so we need to adjust our quote by about four percent.",
  ],
  ask: ["Could you confirm whether this works for you?", "Please let me know if you need anything else from our side.", "Would you be available for a short call on {day} afternoon?", "Can you send me the updated figures before Friday?", "Please share this with your colleagues in accounting.", "If you disagree, just reply and we will find another solution."],
  close: ["Best regards,", "Kind regards,", "Many thanks and best wishes,", "Warm regards,", "All the best,"],
};
const PRODUCT = {
  intro: ["Meet the {p}, designed for people who {use}.", "The {p} combines solid build quality with a price that makes sense.", "Our best-selling {p} is back, now in three new colours.", "Introducing the new {p} for people who {use}."],
  close: ["Ships within two working days, with a two-year warranty.", "Free returns within thirty days if you are not completely satisfied.", "Order before noon for next-day delivery.", "Available now in our online shop and selected stores."],
  // [product, who it is for, features that fit that product]
  items: [
    ["standing desk", "work from home", ["The motor raises the desk from sitting to standing height in under ten seconds.", "Four memory buttons store your favourite heights.", "The oak-veneer top is available in three widths.", "Setup takes about twenty minutes with the tools in the box."]],
    ["camping lantern", "love the outdoors", ["Its battery lasts up to {hours} hours on a single charge.", "The shell survives drops onto rock and short dips in a lake.", "A red-light mode keeps your night vision intact.", "It doubles as a power bank for your phone."]],
    ["espresso grinder", "take their coffee seriously", ["Forty grind settings cover everything from espresso to cold brew.", "The steel burrs stay sharp for years.", "A timer doses the same amount of coffee every morning.", "The motor is quiet enough to run while the house is still asleep."]],
    ["children's bicycle", "want their kids to ride safely", ["The frame weighs less than six kilograms, so children can lift it themselves.", "Both brake levers are sized for small hands.", "The saddle and handlebar grow with your child for about three years.", "Reflectors and a bell come fitted as standard."]],
    ["travel backpack", "travel light", ["It meets the cabin-bag limits of most airlines.", "The fabric is water-repellent and dries in minutes.", "A padded sleeve holds a laptop of up to sixteen inches.", "The main compartment opens flat like a suitcase."]],
    ["air purifier", "live in busy cities", ["It cleans the air of a thirty-square-metre room in about twelve minutes.", "A built-in sensor adjusts the fan to the air quality in the room.", "The filter lasts around a year and takes seconds to replace.", "In night mode it is quieter than a whisper."]],
    ["rice cooker", "cook for a big family", ["It cooks up to ten cups of rice and keeps them warm for twelve hours.", "Separate programmes handle white rice, brown rice, porridge and steamed vegetables.", "The non-stick inner pot is safe for the dishwasher.", "A delay timer lets dinner be ready when you come home."]],
    ["reading lamp", "read late at night", ["The warm light is easy on the eyes after dark.", "The arm bends in any direction and stays where you put it.", "Brightness adjusts in five steps with a touch.", "It clamps to a shelf or headboard without tools."]],
    ["winter jacket", "commute by bike", ["The insulation stays warm even when it gets wet.", "Reflective panels on the back and sleeves make you visible at night.", "Underarm zips let heat out on the way uphill.", "It packs into its own pocket."]],
    ["kitchen scale", "bake by weight", ["It weighs up to five kilograms in steps of one gram.", "The glass surface wipes clean in a second.", "A tare button lets you weigh ingredients one after another in the same bowl.", "It switches itself off after two minutes to save the battery."]],
  ],
};
const TRIP = {
  intro: ["Here is the plan for our trip.", "This is the itinerary we agreed on.", "Below is the schedule for the visit."],
  day: [
    "On day {d} we take the morning train to {place} and check in at the guesthouse near the harbour.", "On day {d} there is a guided walk through the old town, followed by lunch at a family restaurant.", "Day {d} is free; the museum of modern art is open until eight in the evening.",
    "On day {d} the bus leaves at seven sharp, so please be in the lobby by a quarter to seven.", "On day {d} we visit a vineyard, and anyone who does not drink can join the cycling tour instead.", "Day {d}: a boat trip to the islands, weather permitting; bring sunscreen and a warm jacket.",
    "On day {d} we meet the local partners at their office and have dinner together.", "On day {d} we hike to the lake, about twelve kilometres with a steep section at the end.",
  ],
  close: ["Please bring your passport and a copy of your travel insurance.", "If you have dietary restrictions, tell me by the end of the week.", "The total cost per person is {eur} euros, including breakfast.", "Call me on my mobile if anything changes."],
  places: ["Bergen", "Porto", "Salzburg", "Split", "Kotor", "Bruges", "Granada", "Lucca"],
};
const RECIPE = {
  step: [
    "Heat two tablespoons of olive oil in a large pan and fry the onion until soft.", "Add the garlic and the spices and stir for one more minute.", "Pour in {ml} millilitres of stock and bring everything to a gentle boil.",
    "Meanwhile, cook the pasta in plenty of salted water until it is just tender.", "Whisk the eggs with the sugar until the mixture is pale and fluffy.", "Fold in the flour carefully so that the batter stays light.",
    "Bake for about {min} minutes, until the top is golden brown.", "Let the dough rest in the fridge for at least an hour.", "Season with salt, pepper and a squeeze of lemon juice.", "Serve warm with fresh herbs and a slice of crusty bread.",
    "Roast the vegetables on a tray at two hundred degrees, turning them once.", "Blend the soup until smooth and adjust the thickness with a little water.",
  ],
};
const NOTICE = [
  "Dear residents, the water supply in building {building} will be interrupted on {day} from nine in the morning until about two in the afternoon while the pipes are replaced. Please store enough water for cooking and avoid using the lifts during the works. We apologise for the inconvenience and thank you for your patience.",
  "Please note that our office will be closed from the twenty-third of December until the second of January. Orders placed during this period will be processed in the first week of the new year. For urgent technical problems, our emergency line remains available every day between eight and eight.",
  "Attention all passengers: due to engineering works, trains between the central station and the airport will be replaced by buses this weekend. Journeys will take around {delay} minutes longer than usual. Tickets remain valid on the replacement buses, and bicycles cannot be carried.",
  "The library will introduce new opening hours from next month. On weekdays we will open at ten instead of nine, but we will stay open until nine in the evening. The children's reading corner will move to the ground floor, and the self-service machines will accept card payments only.",
  "Parents are reminded that the school trip to the science museum takes place on {day}. Pupils should arrive by eight fifteen with a packed lunch and a rain jacket. The bus will return at about four o'clock. Please sign and return the consent form by Wednesday.",
  "From the first of next month, the gym will require members to book classes through the app at least two hours in advance. Unused bookings that are not cancelled will count as attended. The sauna will be closed for maintenance during the first week.",
];
const SUPPORT = {
  open: ["Thank you for contacting our support team.", "We're sorry to hear that your order arrived damaged.", "Thanks for your patience while we looked into this.", "I understand how frustrating it is when a payment fails."],
  body: [
    "We have issued a full refund of {eur} euros, which should appear on your statement within five to seven working days.", "A replacement has been sent by express delivery, and you can keep the damaged item.", "Our records show that the subscription renewed automatically on the fourteenth because auto-renewal was switched on.",
    "To reset your password, open the app, tap 'Forgot password' and follow the link we email you.", "The error you describe is caused by an outdated version of the app; updating it should solve the problem.", "We have escalated your case to our technical team, who will contact you within forty-eight hours.",
    "Your account has been unlocked, and we recommend enabling two-factor authentication to protect it.", "The courier attempted delivery twice, so the parcel is now waiting at the local pick-up point.",
  ],
  close: ["If there is anything else we can do, simply reply to this message.", "We hope this resolves the issue and wish you a pleasant day.", "Your case number is {case}; please mention it if you write to us again."],
};
const STORY = [
  "The rain had not stopped for three days when {she} finally opened the letter. It was short, written in a hand she did not recognise, and it asked her to come to the lighthouse before the end of the month. She read it twice, folded it carefully and put it in the pocket of her coat.",
  "Nobody in the village remembered who had planted the old pear tree behind the school. Every autumn the children collected its fruit in baskets, and every autumn {name} told them a different story about it. This year, for the first time, one of the children told a story back.",
  "{she} missed the last bus and decided to walk home along the river. The city was quiet, the bridges were lit in orange, and somewhere a radio was playing an old song. Halfway home she realised she was no longer tired at all.",
  "The market opened at dawn. Fishermen shouted prices, the smell of bread drifted from the bakery on the corner, and {he} counted the coins in his hand one more time. If he sold the whole basket, he could finally buy the bicycle.",
  "When the power went out, the whole building gathered in the courtyard. Someone brought candles, someone else a guitar, and {name} from the fourth floor made tea on a camping stove. It was the first time in years that the neighbours had talked for so long.",
  "The train stopped in the middle of a snowy field and did not move for two hours. {she} shared her sandwiches with the family opposite, and by the time the lights came back on, the children were asleep and the grown-ups were old friends.",
];

/** Paragraphs written in other languages, to be translated (mostly) into English. */
export const FOREIGN = [
  ["fr", "Bonjour à tous, je vous rappelle que la réunion de demain est avancée à neuf heures. Merci d'apporter vos rapports trimestriels et de prévenir vos équipes. Le déjeuner sera servi dans la salle du troisième étage à partir de midi."],
  ["fr", "Notre boulangerie fête ses vingt ans ! Pour l'occasion, chaque client recevra un croissant offert ce samedi matin. Nous remercions chaleureusement nos fidèles clients du quartier pour leur soutien pendant toutes ces années."],
  ["fr", "Le contrat peut être résilié par chacune des parties avec un préavis de trois mois, par lettre recommandée. Toute modification doit faire l'objet d'un avenant signé par les deux parties."],
  ["es", "Estimado cliente, le informamos de que su pedido ha sido enviado y llegará en un plazo de tres a cinco días hábiles. Puede seguir el estado del envío con el número de seguimiento que encontrará en el correo adjunto."],
  ["es", "El sábado organizamos una excursión a la sierra. Salimos a las ocho de la plaza mayor y volveremos hacia las seis de la tarde. Lleven calzado cómodo, agua y algo de comer; el recorrido tiene unos quince kilómetros."],
  ["es", "Mi abuela siempre decía que la mejor receta era la que se compartía. Por eso, cada domingo la cocina se llenaba de primos, vecinos y amigos, y nadie se iba a casa sin un táper de lentejas."],
  ["de", "Sehr geehrte Damen und Herren, hiermit kündige ich meinen Mobilfunkvertrag fristgerecht zum nächstmöglichen Termin. Bitte senden Sie mir eine schriftliche Bestätigung der Kündigung sowie das genaue Vertragsende zu."],
  ["de", "Wegen Bauarbeiten ist die Hauptstraße ab Montag für drei Wochen gesperrt. Die Buslinie 12 wird über die Bahnhofstraße umgeleitet. Anwohner können ihre Garagen weiterhin über die Parkstraße erreichen."],
  ["de", "Das Museum zeigt ab Oktober eine Ausstellung über die Geschichte der Fotografie. Neben frühen Kameras sind auch seltene Abzüge aus dem neunzehnten Jahrhundert zu sehen. Führungen finden jeden Sonntag um elf Uhr statt."],
  ["it", "Gentile signora Rossi, la informiamo che il suo appuntamento è stato spostato a giovedì alle quindici e trenta. Se l'orario non le fosse comodo, la preghiamo di contattare la segreteria entro martedì."],
  ["it", "La nostra pizzeria utilizza solo farina macinata a pietra e pomodori coltivati in Campania. L'impasto riposa almeno quarantotto ore, per una pizza più leggera e digeribile."],
  ["pt", "Prezados pais, informamos que na próxima sexta-feira não haverá aulas devido à formação dos professores. As atividades do clube de ciências serão remarcadas para a semana seguinte."],
  ["pt", "O apartamento tem dois quartos, uma cozinha equipada e uma varanda com vista para o rio. Fica a cinco minutos a pé do metrô e está disponível a partir do mês que vem."],
  ["nl", "Beste buren, zaterdag houden we een straatfeest van twee tot tien uur. Iedereen is welkom; neem gerust een stoel en iets te eten mee. Bij slecht weer verhuizen we naar de gymzaal van de school."],
  ["sv", "Hej! Tack för din beställning. Vi har tyvärr slut på den gröna modellen, men vi kan skicka den blå redan i morgon eller den gröna om två veckor. Hör av dig och berätta vad du föredrar."],
  ["pl", "Szanowni Państwo, uprzejmie informujemy, że w dniu jutrzejszym nastąpi przerwa w dostawie prądu w godzinach od ósmej do czternastej. Przepraszamy za utrudnienia."],
];

const FILLERS = {
  name: (r) => r.pick(NAMES), she: (r) => r.pick(["Amara", "Priya", "Sofia", "Leila", "Ingrid", "Chloé", "Hannah", "Yuki", "Elena", "Aisha", "Noor"]), he: (r) => r.pick(["Jonas", "Mateo", "Kenji", "Tomasz", "Diego", "Oluwaseun", "Ravi", "Marcus", "Pieter"]), day: (r) => r.pick(DAYS), d: (r) => String(r.int(1, 6)), place: (r) => r.pick(TRIP.places),
  guests: (r) => String(r.int(4, 30) * 10), room: (r) => String(r.int(301, 349)), hours: (r) => String(r.int(8, 60)), eur: (r) => String(r.int(9, 2400)),
  ml: (r) => String(r.int(4, 16) * 50), min: (r) => String(r.int(18, 55)), building: (r) => r.pick(["A", "B", "C", "4", "7", "12"]), delay: (r) => String(r.int(2, 9) * 5),
  case: (r) => `${r.pick(["CS", "TK", "SR"])}-${r.int(100000, 999999)}`,
};
const fillIn = (r, text) => text.replace(/\{([a-z]+)\}/g, (m, k) => (k in FILLERS ? FILLERS[k](r) : m));

/** One English passage of roughly 40–120 words in a random genre, with its genre name. */
export function englishPassage(r) {
  const genre = r.pick(["email", "product", "trip", "recipe", "notice", "support", "story"]);
  const parts = {
    email: () => [`Dear ${r.pick(NAMES)},`, r.pick(EMAIL.open), ...r.sample(EMAIL.body, r.int(1, 3)), r.pick(EMAIL.ask), r.pick(EMAIL.close), r.pick(NAMES)],
    product: () => { const [p, use, features] = r.pick(PRODUCT.items); return [r.pick(PRODUCT.intro).replace("{p}", p).replace("{use}", use), ...r.sample(features, r.int(2, 4)), r.pick(PRODUCT.close)]; },
    trip: () => [r.pick(TRIP.intro), ...r.sample(TRIP.day, r.int(2, 4)).map((d, i) => d.replace("{d}", String(i + 1))), r.pick(TRIP.close)],
    recipe: () => r.sample(RECIPE.step, r.int(3, 5)),
    notice: () => [r.pick(NOTICE)],
    support: () => [r.pick(SUPPORT.open), ...r.sample(SUPPORT.body, r.int(1, 2)), r.pick(SUPPORT.close)],
    story: () => [r.pick(STORY)],
  }[genre]();
  const separator = genre === "email" ? "\n" : genre === "recipe" && r.chance(0.5) ? "\n" : " ";
  const lines = genre === "recipe" && separator === "\n" ? parts.map((s, i) => `${i + 1}. ${s}`) : parts;
  return { genre, text: fillIn(r, lines.join(separator)) };
}

const SUBJECTS = ["The meeting", "The delivery", "Your appointment", "The concert", "Our flight", "The inspection", "The class", "The team dinner"];
const CHANGES = ["has been moved to {day} at three in the afternoon", "is postponed until further notice", "will start thirty minutes earlier than planned", "takes place in the new building across the street", "was cancelled because of the storm"];
const REQUESTS = ["please bring the signed contracts", "please confirm that you can still attend", "we will refund the full price", "let us know if you need a parking permit", "the rest of the schedule stays the same"];

/** A one- or two-sentence practical message: short, but still a full translation job. */
export function shortMessage(r) {
  return fillIn(r, `${r.pick(SUBJECTS)} ${r.pick(CHANGES)}; ${r.pick(REQUESTS)}.`);
}
