/**
 * The SentencePiece-style ("llama" tokenizer model) vocabulary of the synthetic models.
 *
 * Layout: ids 0..2 are <unk>, <s>, </s>; ids 3..258 are the byte tokens <0x00>..<0xFF>, which is what
 * llama.cpp's SPM tokenizer falls back to for any text no piece covers (so every string tokenizes);
 * then two chat-format control tokens and the tool-call marker; then printable characters; then
 * "▁"-prefixed English words, sub-words and JSON punctuation. Every multi-character piece comes with
 * all of its prefixes, and shorter pieces score higher, so SPM's pairwise merges can always build a
 * word from its characters.
 */

/** SentencePiece's visible space. */
export const SPACE_MARK = "\u2581";

/** llama.cpp token types (`enum llama_token_type`). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export const UNK_TOKEN_ID = 0;
export const BOS_TOKEN_ID = 1;
export const EOS_TOKEN_ID = 2;
export const FIRST_BYTE_TOKEN_ID = 3;
export const CHAT_START_TOKEN = "<|im_start|>";
export const CHAT_END_TOKEN = "<|im_end|>";
/** The tool-call trigger marker, one user-defined token so its logit can be read directly. */
export const FUNCTION_CALL_TOKEN = "<functioncall>";

/**
 * A ChatML template: an optional system block listing the tools as JSON, then each message, then the
 * assistant header when `add_generation_prompt` is set.
 */
export const SYNTHETIC_CHAT_TEMPLATE =
  "{%- if tools %}{{ '<|im_start|>system\\nYou may call one of these tools. To call one, reply with <functioncall> " +
  "followed by a JSON object with the keys \"name\" and \"arguments\".\\n' }}" +
  "{%- for tool in tools %}{{ tool | tojson }}{{ '\\n' }}{%- endfor %}{{ '<|im_end|>\\n' }}{%- endif %}" +
  "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}{{ message['content'] }}{{ '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}";

const WORDS = `
the of and to a in is it you that he was for on are as with his they I at be this have from or one had by
but not what all were we when your can said there use an each which she do how their if will up other about
out many then them these so some her would make like him into time has look two more write go see number no
way could people my than first been call who its now find long down day did get come made may part over new
after also back any good great here just know last most much must need off old only our own same should still
such take tell thing think through very want well where why work year yes help hello hi please thanks thank
today tomorrow yesterday morning evening night week month next now weather forecast temperature rain snow sun
wind city town country place location address map route near far distance email mail send message reply text
inbox subject contact phone calendar event meeting schedule appointment remind reminder alarm timer note notes
list add remove delete create update open close read file folder search web find query result results news
article book flight hotel restaurant table order food pizza coffee buy sell price stock market currency convert
exchange rate dollar euro calculate math sum total plus minus times divide equal translate language English
French Spanish German play music song movie video show light lights turn set get check status account user name
tool tools function call calls argument arguments parameter value string number integer boolean true false null
object array json answer question ask say says said sure okay sorry cannot can't don't I'm it's let me assistant
system model steer vector layer
`;

/** Sub-words and endings that combine with the words above. */
const SUBWORDS = `ing ed er es ly tion s ment ness able est ers ity ive al ous ful less un re pre in dis com con pro`;

/** Pieces with no leading space: JSON and code punctuation as they appear in tool calls. */
const PUNCTUATION = ['{"', '":', '",', '"}', '":"', '"]', '["', '},', '}}', '{}', '[]', "()", "...", "--", "->", "=>", "::", "</", "/>", "\\n"];

function uniqueInOrder(items: Iterable<string>): string[] {
  return [...new Set(items)];
}

/** Every piece of length >= 2 together with all its prefixes of length >= 2, shorter pieces first. */
function closeUnderPrefixes(pieces: readonly string[]): string[] {
  const withPrefixes: string[] = [];
  for (const piece of pieces) {
    const chars = [...piece];
    for (let n = 2; n <= chars.length; n++) withPrefixes.push(chars.slice(0, n).join(""));
  }
  const unique = uniqueInOrder(withPrefixes);
  // A stable sort by length keeps authored order within a length and guarantees that truncating
  // the vocabulary never keeps a piece without its prefixes.
  return unique.sort((a, b) => [...a].length - [...b].length);
}

export interface SyntheticVocabulary {
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly tokenTypes: Int32Array;
}

function authoredPieces(): string[] {
  const words = WORDS.split(/\s+/).filter((w) => w.length > 0);
  const spaced = words.flatMap((w) => [SPACE_MARK + w, SPACE_MARK + w.toLowerCase(), SPACE_MARK + capitalize(w)]);
  const subwords = SUBWORDS.split(/\s+/).filter((w) => w.length > 0);
  const bare = [...subwords, ...words.filter((w) => w.length <= 5).map((w) => w.toLowerCase())];
  return closeUnderPrefixes(uniqueInOrder([...spaced, ...bare, ...PUNCTUATION, ...PUNCTUATION.map((p) => SPACE_MARK + p)]));
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function printableCharacters(): string[] {
  const chars = [SPACE_MARK];
  for (let code = 0x21; code <= 0x7e; code++) chars.push(String.fromCharCode(code));
  return chars;
}

/** The number of tokens in the full authored vocabulary (the default vocabulary size). */
export const SYNTHETIC_VOCABULARY_SIZE = buildPieceList().length;

/** The smallest vocabulary: special, byte, chat and tool-call tokens only. */
export const MIN_SYNTHETIC_VOCABULARY_SIZE = FIRST_BYTE_TOKEN_ID + 256 + 3;

function buildPieceList(): { text: string; type: number }[] {
  const list: { text: string; type: number }[] = [
    { text: "<unk>", type: TokenType.UNKNOWN },
    { text: "<s>", type: TokenType.CONTROL },
    { text: "</s>", type: TokenType.CONTROL },
  ];
  for (let byte = 0; byte < 256; byte++) {
    list.push({ text: `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, type: TokenType.BYTE });
  }
  list.push({ text: CHAT_START_TOKEN, type: TokenType.CONTROL }, { text: CHAT_END_TOKEN, type: TokenType.CONTROL });
  list.push({ text: FUNCTION_CALL_TOKEN, type: TokenType.USER_DEFINED });
  const seen = new Set(list.map((t) => t.text));
  for (const text of [...printableCharacters(), ...authoredPieces()]) {
    if (seen.has(text)) continue;
    seen.add(text);
    list.push({ text, type: TokenType.NORMAL });
  }
  return list;
}

/**
 * The vocabulary with `size` tokens: the authored list cut to `size` (whole prefix groups survive a
 * cut because shorter pieces come first), or padded with unused `<unused_N>` tokens beyond it.
 */
export function buildSyntheticVocabulary(size: number = SYNTHETIC_VOCABULARY_SIZE): SyntheticVocabulary {
  const list = buildPieceList().slice(0, size);
  for (let i = 0; list.length < size; i++) list.push({ text: `<unused_${i}>`, type: TokenType.UNUSED });
  const scores = new Float32Array(size);
  let rank = 0;
  list.forEach((token, id) => {
    // SPM merges the adjacent pair whose result scores highest: earlier (shorter) pieces win.
    scores[id] = token.type === TokenType.NORMAL ? -rank++ : 0;
  });
  return { tokens: list.map((t) => t.text), scores, tokenTypes: Int32Array.from(list, (t) => t.type) };
}
