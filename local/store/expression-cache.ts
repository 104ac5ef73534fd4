/**
 * A parse cache for dynalite's expression parsers. dynalite parses every ConditionExpression,
 * UpdateExpression, KeyConditionExpression, FilterExpression and ProjectionExpression with a
 * generated PEG parser that backtracks on each parenthesis; the state layer's conditions are long
 * and nested, so a single write spends milliseconds parsing an expression it has parsed before.
 *
 * The parse is a function of the expression text, the attribute names, which attribute values
 * exist and the type of each (the parsers type-check operands: `begins_with` wants S or B, `+`
 * wants N, …), with two exceptions that read a value itself: BETWEEN compares its bounds and
 * `attribute_type` reads its type name. So the cache key is the text, the names and each value's
 * key and type, and expressions using BETWEEN or `attribute_type` are always parsed. The parsed
 * tree holds the request's value objects; the cache keeps a copy with each value replaced by its
 * key and fills in the current request's values on every use, so a caller may mutate what it gets
 * (dynalite rewrites key conditions). A parse that fails (a syntax error or a validation message)
 * is not cached: it is parsed again, as before. The parsers mark the names and values they use by
 * deleting them from the context's `unusedAttrNames`/`unusedAttrVals`; the cache records which
 * and deletes the same ones on a hit.
 */
import { createRequire } from 'node:module';

interface ParserContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  [other: string]: unknown;
}
type Parse = (text: string, options: { context: ParserContext }) => unknown;
interface ParserModule {
  parse: Parse;
}

/** The types dynalite's parsers check, in the order their `getImmediateType` tries them. */
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'] as const;
/** Expressions whose parse reads a value's content, not only its type: never cached. */
const READS_VALUES = /between|attribute_type/i;
/** A bound on the entries per parser, so a long-lived local mode cannot grow without end. */
const MAX_ENTRIES = 5_000;

class ValueSlot {
  constructor(readonly key: string) {}
}

interface Entry {
  readonly tree: unknown;
  readonly usedNames: readonly string[];
  readonly usedValues: readonly string[];
}

function typeOf(value: Record<string, unknown> | undefined): string {
  if (!value || typeof value !== 'object') return '?';
  return TYPES.find((type) => value[type] != null) ?? '?';
}

function cacheKey(text: string, context: ParserContext): string {
  const names = context.attrNames ?? {};
  const values = context.attrVals ?? {};
  const nameList = Object.keys(names)
    .sort()
    .map((key) => `${key}=${names[key]}`);
  const valueList = Object.keys(values)
    .sort()
    .map((key) => `${key}:${typeOf(values[key])}`);
  return JSON.stringify([text, nameList, valueList]);
}

/** Copies `tree` (arrays and objects, prototypes kept); a node `replace` maps is replaced, not copied. */
function copyTree(tree: unknown, replace: (node: object) => unknown | undefined): unknown {
  if (tree === null || typeof tree !== 'object') return tree;
  const replaced = replace(tree);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(tree)) return tree.map((item) => copyTree(item, replace));
  const copy = Object.create(Object.getPrototypeOf(tree)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(tree)) copy[key] = copyTree(value, replace);
  return copy;
}

/** `parse` (one of dynalite's parsers) with the cache described above, its own per call. */
export function memoizeParse(parse: Parse): Parse {
  const entries = new Map<string, Entry>();
  return (text, options) => {
    const context = options.context;
    const values = context.attrVals ?? {};
    if (READS_VALUES.test(text)) return parse(text, options);
    const key = cacheKey(text, context);
    const hit = entries.get(key);
    if (hit) {
      for (const name of hit.usedNames) delete context.unusedAttrNames?.[name];
      for (const value of hit.usedValues) delete context.unusedAttrVals?.[value];
      return copyTree(hit.tree, (node) => (node instanceof ValueSlot ? values[node.key] : undefined));
    }
    // Parse against fresh "unused" sets to learn which names and values this expression uses.
    const probe: ParserContext = {
      ...context,
      unusedAttrNames: Object.fromEntries(Object.keys(context.attrNames ?? {}).map((n) => [n, true])),
      unusedAttrVals: Object.fromEntries(Object.keys(values).map((v) => [v, true])),
    };
    const tree = parse(text, { ...options, context: probe });
    const usedNames = Object.keys(context.attrNames ?? {}).filter((n) => !probe.unusedAttrNames?.[n]);
    const usedValues = Object.keys(values).filter((v) => !probe.unusedAttrVals?.[v]);
    for (const name of usedNames) delete context.unusedAttrNames?.[name];
    for (const value of usedValues) delete context.unusedAttrVals?.[value];
    const slots = new Map<object, ValueSlot>();
    for (const [slotKey, value] of Object.entries(values)) {
      if (slots.has(value)) return tree; // one object under two keys: cannot tell them apart
      slots.set(value, new ValueSlot(slotKey));
    }
    if (tree !== null && typeof tree === 'object') {
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, { tree: copyTree(tree, (node) => slots.get(node)), usedNames, usedValues });
    }
    return tree;
  };
}

let installed = false;

/**
 * Memoizes dynalite's condition, update and projection parsers in this process (once; later calls
 * do nothing). dynalite runs in-process, so its request validation calls the memoized parsers.
 */
export function installExpressionCache(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  for (const name of ['conditionParser', 'updateParser', 'projectionParser']) {
    const parser = require(`dynalite/db/${name}`) as ParserModule;
    // dynalite's own parse stays reachable, for a test in a process where this already ran.
    parser.parse = Object.assign(memoizeParse(parser.parse), { uncached: parser.parse });
  }
}
