/**
 * A MODEL of the small part of CEL (Common Expression Language) the rendered admission policies
 * use, so tests can evaluate the policies' own expressions against fixture objects instead of
 * restating them: field selection (`object.spec.type`), map lookup by a string literal
 * (`labels['slipway.io/organization']`), `has(...)`, `size(...)`, `string.endsWith`/`startsWith`,
 * `list.all(x, ...)` (over a map: its keys), string `+`, `==`, `!=`, `!`, `&&`, `||`, parentheses,
 * string and integer literals. An
 * expression outside this subset throws, so a policy can never pass untested by falling outside it.
 * Semantics follow the Kubernetes CEL docs: selecting an absent field is an error (has() tests for
 * it), `&&` / `||` short-circuit left to right.
 */

type Value = unknown;
type Env = Readonly<Record<string, Value>>;

const TOKEN =
  /\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(&&|\|\||==|!=|[!().,+[\]])|([A-Za-z_][A-Za-z0-9_]*))/y;

type Token = { kind: 'num' | 'str' | 'op' | 'id'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`CEL subset: cannot read '${source.slice(at)}'`);
    if (match[1] !== undefined) tokens.push({ kind: 'num', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'str', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'str', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ kind: 'op', text: match[4] });
    else tokens.push({ kind: 'id', text: match[5] ?? '' });
  }
  return tokens;
}

class CelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelError';
  }
}

/** Evaluates EXPRESSION with the variables of ENV (object, oldObject, namespaceObject, ...). */
export function evaluate(expression: string, env: Env): Value {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = (text?: string) => {
    const token = tokens[position];
    if (!token || (text !== undefined && token.text !== text))
      throw new Error(`CEL subset: expected '${text}' in '${expression}'`);
    position += 1;
    return token;
  };

  // Each parse function returns a thunk, so && and || can short-circuit.
  type Thunk = (scope: Env) => Value;

  function parseOr(): Thunk {
    let left = parseAnd();
    while (peek()?.text === '||') {
      take('||');
      const [l, r] = [left, parseAnd()];
      left = (scope) => l(scope) === true || r(scope) === true;
    }
    return left;
  }
  function parseAnd(): Thunk {
    let left = parseEquality();
    while (peek()?.text === '&&') {
      take('&&');
      const [l, r] = [left, parseEquality()];
      left = (scope) => l(scope) === true && r(scope) === true;
    }
    return left;
  }
  function parseEquality(): Thunk {
    const left = parseAdditive();
    const op = peek()?.text;
    if (op === '==' || op === '!=') {
      take(op);
      const right = parseAdditive();
      return (scope) => (JSON.stringify(left(scope)) === JSON.stringify(right(scope))) === (op === '==');
    }
    return left;
  }
  // `+` on strings only (the policies build a host suffix); numbers never need adding here.
  function parseAdditive(): Thunk {
    let left = parseUnary();
    while (peek()?.text === '+') {
      take('+');
      const [l, r] = [left, parseUnary()];
      left = (scope) => {
        const a = l(scope);
        const b = r(scope);
        if (typeof a !== 'string' || typeof b !== 'string') throw new CelError('+ of a non-string');
        return a + b;
      };
    }
    return left;
  }
  function parseUnary(): Thunk {
    if (peek()?.text === '!') {
      take('!');
      const operand = parseUnary();
      return (scope) => {
        const value = operand(scope);
        if (typeof value !== 'boolean') throw new CelError('! of a non-boolean');
        return !value;
      };
    }
    return parseMember();
  }
  function parseMember(): Thunk {
    let target = parsePrimary();
    while (peek()?.text === '.' || peek()?.text === '[') {
      if (peek()?.text === '[') {
        take('[');
        const key = take();
        if (key.kind !== 'str') throw new Error(`CEL subset: only map['key'] lookups, in '${expression}'`);
        take(']');
        const receiver = target;
        target = (scope) => {
          const value = receiver(scope);
          if (value === null || typeof value !== 'object' || Array.isArray(value))
            throw new CelError('index of a non-map');
          if (!Object.hasOwn(value, key.text)) throw new CelError(`no such key: ${key.text}`);
          return (value as Record<string, Value>)[key.text];
        };
        continue;
      }
      take('.');
      const name = take().text;
      if (peek()?.text === '(') {
        take('(');
        const receiver = target;
        if (name === 'endsWith' || name === 'startsWith') {
          const argument = parseOr();
          take(')');
          target = (scope) => {
            const value = receiver(scope);
            const suffix = argument(scope);
            if (typeof value !== 'string' || typeof suffix !== 'string')
              throw new CelError(`${name} of a non-string`);
            return name === 'endsWith' ? value.endsWith(suffix) : value.startsWith(suffix);
          };
        } else if (name === 'all' || name === 'exists') {
          const variable = take().text;
          take(',');
          const predicate = parseOr();
          take(')');
          target = (scope) => {
            const value = receiver(scope);
            // A map's comprehension ranges over its keys.
            const list =
              value !== null && typeof value === 'object' && !Array.isArray(value)
                ? Object.keys(value)
                : value;
            if (!Array.isArray(list)) throw new CelError(`${name} of a non-list`);
            const test = (item: Value) => predicate({ ...scope, [variable]: item }) === true;
            return name === 'all' ? list.every(test) : list.some(test);
          };
        } else throw new Error(`CEL subset: no method '${name}'`);
      } else {
        const receiver = target;
        target = (scope) => {
          const value = receiver(scope);
          if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name))
            throw new CelError(`no such key: ${name}`);
          return (value as Record<string, Value>)[name];
        };
      }
    }
    return target;
  }
  function parsePrimary(): Thunk {
    const token = take();
    if (token.kind === 'num') return () => Number(token.text);
    if (token.kind === 'str') return () => token.text;
    if (token.text === '(') {
      const inner = parseOr();
      take(')');
      return inner;
    }
    if (token.kind === 'id' && (token.text === 'true' || token.text === 'false'))
      return () => token.text === 'true';
    if (token.kind === 'id' && (token.text === 'has' || token.text === 'size') && peek()?.text === '(') {
      take('(');
      const inner = parseOr();
      take(')');
      if (token.text === 'size')
        return (scope) => {
          const value = inner(scope);
          if (typeof value === 'string' || Array.isArray(value)) return value.length;
          if (value !== null && typeof value === 'object') return Object.keys(value).length;
          throw new CelError('size of a scalar');
        };
      return (scope) => {
        try {
          inner(scope);
          return true;
        } catch (error) {
          if (error instanceof CelError && error.message.startsWith('no such key')) return false;
          throw error;
        }
      };
    }
    if (token.kind === 'id') {
      return (scope) => {
        if (!Object.hasOwn(scope, token.text)) throw new CelError(`undeclared reference: ${token.text}`);
        return scope[token.text];
      };
    }
    throw new Error(`CEL subset: unexpected '${token.text}' in '${expression}'`);
  }

  const program = parseOr();
  if (position !== tokens.length) throw new Error(`CEL subset: trailing input in '${expression}'`);
  return program(env);
}

/**
 * What the API server does with a validation under failurePolicy Fail: an expression that is not
 * true (false, or an evaluation error) refuses the request.
 */
export function admits(expression: string, env: Env): boolean {
  try {
    return evaluate(expression, env) === true;
  } catch (error) {
    if (error instanceof CelError) return false;
    throw error;
  }
}
