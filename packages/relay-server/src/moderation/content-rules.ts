import { createRequire } from 'node:module';
import type { Attachment, MessageContent } from '@chat4all/protocol';
import LinkifyIt from 'linkify-it';
import { RE2JS } from 're2js';
import { ConfigError } from '../config/error.js';
import { BLOCKED } from '../config/moderation.js';
import type { RelayConfig } from '../config/schema.js';

type ModerationConfig = RelayConfig['moderation'];

/** What the rules make of a message: let through (its text masked where a mask rule matched), or refused with a reason. */
export type RuleVerdict = { action: 'allow'; text: string; masked: boolean } | { action: 'reject'; reason: string };

/** What the rules make of a whole message: its text and the other words it carries, masked where a mask rule matched, or refused. */
export type MessageRuleVerdict =
  | { action: 'allow'; text: string; content: MessageContent | null; attachment: Attachment | null; masked: boolean }
  | { action: 'reject'; reason: string };

/**
 * Characters that change nothing a reader sees, so they cannot be used to split a blocked word:
 * soft hyphen, zero-width space and joiners, bidirectional marks and embeddings, word joiner,
 * invisible operators, byte order mark.
 */
const INVISIBLE = /^[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]$/u;
const MARK = /\p{M}/gu;
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;

/**
 * Links as readers take them, with or without a scheme (`evil.example` in prose counts): the
 * same library link previews use, with fuzzy links on. Its own list of top-level domains is a
 * short one (`scam.xyz` or `phish.app` would not be links), so it is given every one in the
 * root zone (the `tlds` list it documents), and the names reserved for examples and tests
 * (RFC 2606), which read as links as well.
 */
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: false, fuzzyIP: true }).tlds([
  ...(createRequire(import.meta.url)('tlds') as string[]),
  'example',
  'test',
  'invalid',
  'localhost',
]);

/**
 * The text as rules see it: each character in its compatibility form (NFKD: full-width and
 * styled letters become plain ones, ligatures their letters) with accents and other combining
 * marks dropped, lowercased, and invisible characters left out; with, for each folded UTF-16
 * unit, where in the original text its character starts and ends, so a match can be masked
 * in what the sender wrote.
 */
export function fold(text: string): { folded: string; starts: number[]; ends: number[] } {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let index = 0;
  for (const char of text) {
    const start = index;
    index += char.length;
    if (INVISIBLE.test(char)) continue;
    const plain = char.normalize('NFKD').replace(MARK, '').toLowerCase();
    for (let unit = 0; unit < plain.length; unit++) {
      starts.push(start);
      ends.push(index);
    }
    folded += plain;
  }
  return { folded, starts, ends };
}

interface CompiledWords {
  pattern: RE2JS;
  /** The reason of each folded word. */
  reasons: Map<string, string>;
}

interface CompiledPattern {
  pattern: RE2JS;
  action: 'reject' | 'mask';
  reason: string;
}

/**
 * An app's content rules compiled once: blocked words and patterns (rejecting or masking),
 * links, file types. Patterns are RE2 (re2js), whose matching takes time linear in the text
 * whatever the pattern, so a pattern cannot stall the relay (ReDoS); what RE2 cannot match in
 * linear time (backreferences, lookarounds) is refused when the configuration is loaded.
 */
export class ContentRules {
  readonly #rejectWords: CompiledWords | null;
  readonly #maskWords: CompiledWords | null;
  readonly #patterns: CompiledPattern[];
  readonly #config: ModerationConfig;

  constructor(config: ModerationConfig) {
    this.#config = config;
    const words = { reject: new Map<string, string>(), mask: new Map<string, string>() };
    const patterns: CompiledPattern[] = [];
    for (const [index, entry] of config.blocklist.entries()) {
      const key = `moderation.blocklist.${index}`;
      const action = entry.action ?? 'reject';
      const reason = entry.reason ?? BLOCKED;
      if ((entry.word === undefined) === (entry.pattern === undefined)) throw new ConfigError(key, 'give exactly one of word and pattern');
      if (entry.word !== undefined) {
        const folded = fold(entry.word).folded.trim();
        if (folded === '') throw new ConfigError(`${key}.word`, 'the word is empty once folded (only invisible characters or marks)');
        if (!words[action].has(folded)) words[action].set(folded, reason);
        continue;
      }
      patterns.push({ pattern: compilePattern(entry.pattern as string, `${key}.pattern`), action, reason });
    }
    this.#rejectWords = compileWords(words.reject);
    this.#maskWords = compileWords(words.mask);
    this.#patterns = patterns;
  }

  /** Whether any rule is configured: a relay without rules skips them (and the hook is separate). */
  get empty(): boolean {
    const { links, files } = this.#config;
    return (
      this.#rejectWords === null &&
      this.#maskWords === null &&
      this.#patterns.length === 0 &&
      links.policy === 'allow' &&
      files.mimeTypes.length === 0 &&
      files.extensions.length === 0
    );
  }

  /**
   * The rules applied to a whole message: its file's type, then the words and links of its
   * text, its file's name, a place's name and address, and each contact card's name and
   * organization (words a reader sees as much as the text). The first rule that rejects, in
   * any of them, gives the reason; masks apply in each.
   */
  checkMessage(message: { text: string; attachment: Attachment | null; content: MessageContent | null }): MessageRuleVerdict {
    const ruled = this.check(message.text, message.attachment);
    if (ruled.action === 'reject') return ruled;
    let masked = ruled.masked;
    let rejected: string | null = null;
    const words = (value: string, links = true): string => {
      if (rejected !== null) return value;
      const field = this.check(value, null, links);
      if (field.action === 'reject') {
        rejected = field.reason;
        return value;
      }
      masked ||= field.masked;
      return field.text;
    };
    const optional = (value: string | null): string | null => (value === null ? null : words(value));
    // A file's name is not held to the link rules: `archive.zip` and `clip.mov` name files, not sites.
    const attachment = message.attachment && { ...message.attachment, name: words(message.attachment.name, false) };
    let content = message.content;
    if (content?.type === 'location') content = { ...content, name: optional(content.name), address: optional(content.address) };
    else if (content?.type === 'contacts')
      content = {
        ...content,
        contacts: content.contacts.map((card) => ({ ...card, name: words(card.name), organization: optional(card.organization) })),
      };
    if (rejected !== null) return { action: 'reject', reason: rejected };
    if (!masked) return { action: 'allow', text: ruled.text, content: message.content, attachment: message.attachment, masked };
    return { action: 'allow', text: ruled.text, content, attachment, masked };
  }

  /** The rules applied to a text (and a file's type): the first rule that rejects gives the reason; masks all apply. */
  check(text: string, attachment: Attachment | null, links = true): RuleVerdict {
    if (attachment && !this.#fileAllowed(attachment)) return { action: 'reject', reason: this.#config.files.reason };
    if (text === '') return { action: 'allow', text, masked: false };
    const view = fold(text);
    if (this.#rejectWords) {
      const match = wordMatches(this.#rejectWords.pattern, view.folded)[0];
      if (match) return { action: 'reject', reason: this.#rejectWords.reasons.get(view.folded.slice(match[0], match[1])) as string };
    }
    for (const rule of this.#patterns)
      if (rule.action === 'reject' && rule.pattern.matcher(view.folded).find()) return { action: 'reject', reason: rule.reason };
    if (links && !this.#linksAllowed(view.folded)) return { action: 'reject', reason: this.#config.links.reason };
    const ranges: Array<[number, number]> = [];
    if (this.#maskWords) ranges.push(...wordMatches(this.#maskWords.pattern, view.folded));
    for (const rule of this.#patterns) if (rule.action === 'mask') ranges.push(...allMatches(rule.pattern, view.folded));
    if (ranges.length === 0) return { action: 'allow', text, masked: false };
    return { action: 'allow', text: mask(text, view, ranges), masked: true };
  }

  #linksAllowed(folded: string): boolean {
    const { policy, domains } = this.#config.links;
    if (policy === 'allow') return true;
    const links = linkify.match(folded) ?? [];
    if (policy === 'deny') return links.length === 0;
    const allowed = domains.map((domain) => domain.toLowerCase().replace(/^\.+|\.+$/g, ''));
    return links.every((link) => {
      const host = hostOf(link.url);
      return host !== null && allowed.some((domain) => host === domain || host.endsWith(`.${domain}`));
    });
  }

  #fileAllowed(attachment: Attachment): boolean {
    const { mimeTypes, extensions } = this.#config.files;
    const type = attachment.type.toLowerCase().split(';')[0]?.trim() ?? '';
    if (
      mimeTypes.length > 0 &&
      !mimeTypes.some((allowed) => {
        const wanted = allowed.toLowerCase();
        return wanted.endsWith('/*') ? type.startsWith(wanted.slice(0, -1)) : type === wanted;
      })
    )
      return false;
    if (extensions.length === 0) return true;
    const dot = attachment.name.lastIndexOf('.');
    const extension = dot < 0 ? '' : attachment.name.slice(dot + 1).toLowerCase();
    return extensions.some((allowed) => allowed.toLowerCase() === extension);
  }
}

/** Checks the rules of a configuration, throwing the ConfigError that names the bad key: run when the configuration is loaded. */
export function checkContentRules(config: ModerationConfig): void {
  new ContentRules(config);
}

function compilePattern(source: string, key: string): RE2JS {
  try {
    return RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new ConfigError(
      key,
      `not a pattern the relay can match in linear time (RE2 syntax; no backreferences or lookarounds): ${(error as Error).message}`,
    );
  }
}

/** One alternation of every word, the longest first so a phrase wins over a word it starts with. */
function compileWords(words: Map<string, string>): CompiledWords | null {
  if (words.size === 0) return null;
  const alternatives = [...words.keys()].sort((a, b) => b.length - a.length).map((word) => RE2JS.quote(word));
  return { pattern: RE2JS.compile(`(?:${alternatives.join('|')})`), reasons: words };
}

/** Where the pattern matches, as [start, end) of folded text. */
function allMatches(pattern: RE2JS, folded: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const matcher = pattern.matcher(folded);
  let from = 0;
  while (from <= folded.length && matcher.find(from)) {
    const start = matcher.start();
    const end = matcher.end();
    if (end > start) ranges.push([start, end]);
    from = end > start ? end : end + 1;
  }
  return ranges;
}

/** Matches of whole words only: not preceded or followed by a letter, digit or underscore. */
function wordMatches(pattern: RE2JS, folded: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const matcher = pattern.matcher(folded);
  let from = 0;
  while (from < folded.length && matcher.find(from)) {
    const start = matcher.start();
    const end = matcher.end();
    const before = start > 0 && WORD_CHAR.test(folded[start - 1] as string);
    const after = end < folded.length && WORD_CHAR.test(folded[end] as string);
    if (!before && !after && end > start) {
      ranges.push([start, end]);
      from = end;
    } else from = start + 1;
  }
  return ranges;
}

/** The original text with each character a match covers replaced by one asterisk. */
function mask(text: string, view: { starts: number[]; ends: number[] }, ranges: Array<[number, number]>): string {
  const covered = ranges
    .map(([start, end]) => [view.starts[start] as number, view.ends[end - 1] as number] as const)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of covered) {
    const from = Math.max(start, at);
    if (end <= from) continue;
    out += text.slice(at, from) + '*'.repeat([...text.slice(from, end)].length);
    at = end;
  }
  return out + text.slice(at);
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return null;
  }
}
