// Translation: the translate tool is needed to translate whole sentences and passages (a small model's own
// translations of running text are unreliable, above all into less common languages); it is not needed for the
// meaning of a word, a stock phrase, grammar, pronunciation or facts about languages.
import { englishPassage, FOREIGN, shortMessage } from "./necessity-translation-texts.mjs";
import { functionTool, makeDeck } from "./lib.mjs";

export const LANGUAGES = {
  ar: "Arabic", cs: "Czech", da: "Danish", de: "German", el: "Greek", en: "English", es: "Spanish", fi: "Finnish", fr: "French", he: "Hebrew", hi: "Hindi", hu: "Hungarian",
  id: "Indonesian", it: "Italian", ja: "Japanese", ko: "Korean", nl: "Dutch", no: "Norwegian", pl: "Polish", pt: "Portuguese", ro: "Romanian", ru: "Russian", sv: "Swedish",
  sw: "Swahili", th: "Thai", tr: "Turkish", uk: "Ukrainian", vi: "Vietnamese", zh: "Chinese",
};
const CODES = Object.keys(LANGUAGES);

export const translationTools = [
  functionTool(
    "translate",
    "Translates text between languages with a dedicated machine-translation model and returns the translation.",
    {
      text: { type: "string", minLength: 1, description: "The text to translate, verbatim." },
      target_language: { type: "string", enum: CODES, description: "ISO 639-1 code of the language to translate into." },
      source_language: { type: "string", enum: ["auto", ...CODES], description: "ISO 639-1 code of the text's language; default auto-detect." },
      formality: { type: "string", enum: ["default", "formal", "informal"], description: "Register of the translation where the language distinguishes it; default default." },
    },
    ["text", "target_language"],
  ),
];

const PASSAGE_FRAMES = [
  "Translate this into {lang}:\n\n{text}", "Can you put the following into {lang}?\n{text}", "{text}\n\n^ {lang} translation please", "I need this in {lang} for our partners:\n\"{text}\"",
  "translate to {lang} pls: {text}", "Please translate the text below into {lang}, keeping the tone.\n---\n{text}\n---", "Could you render this in {lang}? It's going out today.\n\n{text}",
  "{lang} version of this, please:\n{text}", "My colleague only reads {lang}. Translate:\n{text}", "Here's a paragraph I need in {lang}:\n{text}",
];
const FORMAL_FRAMES = ["Translate this email into {lang}, formal register please:\n\n{text}", "Put this into polite, formal {lang}:\n{text}"];
const FOREIGN_FRAMES = ["What does this say? Translate into {lang} please:\n{text}", "I got this message and can't read it, can you translate it to {lang}?\n\n{text}", "translate into {lang}:\n{text}", "{text}\n\nCan I get that in {lang}?", "Need a {lang} translation of this notice:\n\"{text}\""];
const SHORT_FRAMES = ["Translate \"{text}\" into {lang}.", "How would I write this in {lang}: {text}", "{lang}, please: \"{text}\"", "Can you translate this message to {lang}? {text}"];
// Targets a small model handles worst are drawn more often, the way users who need a tool would ask.
const TARGETS = ["fi", "fi", "hu", "ja", "ko", "zh", "ar", "hi", "sw", "th", "vi", "uk", "el", "he", "tr", "pl", "cs", "ro", "id", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "ru"];

export function translationNeeded(r) {
  const roll = r.next();
  if (roll < 0.14) {
    const [source, text] = r.pick(FOREIGN);
    const target = r.chance(0.7) ? "en" : r.pick(TARGETS.filter((c) => c !== source));
    const args = { text, target_language: target, ...(r.chance(0.5) ? { source_language: source } : {}) };
    return { template: r.pick(FOREIGN_FRAMES), values: { lang: LANGUAGES[target], text }, expected: { name: "translate", arguments: args } };
  }
  const target = r.pick(TARGETS);
  if (roll < 0.35) {
    const text = shortMessage(r);
    return { template: r.pick(SHORT_FRAMES), values: { lang: LANGUAGES[target], text }, expected: { name: "translate", arguments: { text, target_language: target } } };
  }
  const { genre, text } = englishPassage(r);
  const formal = genre === "email" && r.chance(0.35);
  const frame = formal ? r.pick(FORMAL_FRAMES) : r.pick(PASSAGE_FRAMES);
  const args = { text, target_language: target, ...(r.chance(0.3) ? { source_language: "en" } : {}), ...(formal ? { formality: "formal" } : {}) };
  return { template: frame, values: { lang: LANGUAGES[target], text }, expected: { name: "translate", arguments: args } };
}

const WORDS = [
  ["merci", "French"], ["Schadenfreude", "German"], ["hygge", "Danish"], ["saudade", "Portuguese"], ["arigatou", "Japanese"], ["gracias", "Spanish"], ["ciao", "Italian"], ["sisu", "Finnish"],
  ["Fernweh", "German"], ["wabi-sabi", "Japanese"], ["dolce far niente", "Italian"], ["ubuntu", "Zulu"], ["jeitinho", "Portuguese"], ["lagom", "Swedish"], ["hasta luego", "Spanish"], ["n'importe quoi", "French"],
  ["Feierabend", "German"], ["inshallah", "Arabic"], ["namaste", "Hindi"], ["gezellig", "Dutch"], ["tsundoku", "Japanese"], ["salud", "Spanish"], ["déjà vu", "French"], ["kummerspeck", "German"],
  ["spasibo", "Russian"], ["hakuna matata", "Swahili"], ["prost", "German"], ["chutzpah", "Yiddish"], ["sobremesa", "Spanish"], ["mañana", "Spanish"], ["bon appétit", "French"], ["gemütlich", "German"],
];
const WORD_FRAMES = ["What does '{w}' mean?", "meaning of {w}?", "Is '{w}' rude or polite?", "How do you pronounce '{w}'?", "What's the literal translation of '{w}'?", "When would a native speaker say '{w}'?", "is {w} {lang}?", "Where does the word '{w}' come from?"];
const PHRASES = ["thank you", "good morning", "cheers", "excuse me", "I love you", "how much is this", "where is the toilet", "good night", "nice to meet you", "sorry", "happy birthday", "yes and no"];
const PHRASE_LANGS = ["Japanese", "Spanish", "French", "German", "Italian", "Korean", "Portuguese", "Swahili", "Turkish", "Dutch", "Hindi", "Greek"];
const PHRASE_FRAMES = ["How do you say '{p}' in {lang}?", "what's '{p}' in {lang}", "Quick one: {p} in {lang}?", "How would I say {p} to someone in {lang}?"];
const WORD_TRANSLATIONS = ["What's 'apple' in French?", "translate 'cat' to Spanish", "What's the German word for 'window'?", "What is 'water' in Japanese?", "Is 'libreria' a library or a bookshop in Italian?", "Translate 'Buch' from German.", "What does 'gato' mean in English?", "what's 'dog' in Korean", "Translate the word 'friend' into Portuguese.", "What's the Dutch word for bicycle?"];
const LANGUAGE_QUESTIONS = [
  "When do I use 'ser' versus 'estar' in Spanish?", "What are the four German cases?", "Why does French have gendered nouns?", "Is Spanish or Italian easier for an English speaker?", "How many people speak Portuguese worldwide?",
  "What's the difference between hiragana and katakana?", "What is a false friend in language learning?", "Does Finnish really have fifteen cases?", "What languages are spoken in Switzerland?", "How do tones work in Mandarin?",
  "Is 'gift' a false friend in German?", "What's the difference between 'tu' and 'vous'?", "Why is English spelling so irregular?", "How long does it take to learn Japanese to a conversational level?", "What is the subjunctive mood?",
  "Is Norwegian mutually intelligible with Swedish?", "What alphabet does Ukrainian use?", "How do Arabic plurals work, in broad strokes?", "What's the origin of the word 'robot'?", "Why do Germans capitalize nouns?",
  "What does the Spanish 'ñ' sound like?", "What's a good app for learning Korean?", "How do you form the past tense in Italian?", "Is Hindi the same as Urdu?", "What's the difference between Brazilian and European Portuguese?",
  "Which language has the most native speakers?", "How do you use the French partitive article?", "What are Chinese measure words?", "Why does Japanese have keigo?", "Is Esperanto still spoken?",
  "What's a cognate?", "Can you explain the Dutch 'G' sound?", "How does Turkish vowel harmony work?", "What are the noun classes in Swahili?", "What is code-switching?",
  "Why is Hungarian so different from its neighbours?", "What's the difference between 'por' and 'para'?", "How do Russian verbs of motion work?", "Is Korean related to Japanese?", "What language family does Finnish belong to?",
  "Should I learn Castilian or Latin American Spanish?", "What's the hardest part of Polish grammar?", "How do I practice listening comprehension in French?", "What's a diacritic?", "Why does Welsh have so few vowels in writing?",
];

export function makeTranslationNotNeeded(r) {
  const handWritten = makeDeck(r, [...LANGUAGE_QUESTIONS, ...WORD_TRANSLATIONS]);
  return () => {
    const base = r.chance(0.45) ? handWritten() : undefined;
    if (base !== undefined) return { template: base, values: {} };
    if (r.chance(0.55)) {
      const [w, lang] = r.pick(WORDS);
      return { template: r.pick(WORD_FRAMES), values: { w, lang } };
    }
    return { template: r.pick(PHRASE_FRAMES), values: { p: r.pick(PHRASES), lang: r.pick(PHRASE_LANGS) } };
  };
}
