/**
 * Builds UpdateItem expressions with placeholders for every name and value, so nested paths
 * (`phases.ansible.status`) and reserved words (`status`) are always safe.
 */
export interface BuiltUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

export class UpdateBuilder {
  readonly #names = new Map<string, string>();
  readonly #values: Record<string, unknown> = {};
  readonly #sets: string[] = [];
  readonly #removes: string[] = [];
  readonly #adds: string[] = [];
  readonly #deletes: string[] = [];
  readonly #conditions: string[] = [];

  /** Placeholder of an attribute path: `path('phases', 'ansible', 'status')` → `#n1.#n2.#n3`. */
  path(...segments: string[]): string {
    return segments
      .map((segment) => {
        let placeholder = this.#names.get(segment);
        if (!placeholder) {
          placeholder = `#n${this.#names.size}`;
          this.#names.set(segment, placeholder);
        }
        return placeholder;
      })
      .join('.');
  }

  /** Placeholder of a value. */
  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.#values).length}`;
    this.#values[placeholder] = value;
    return placeholder;
  }

  set(path: readonly string[], value: unknown): this {
    this.#sets.push(`${this.path(...path)} = ${this.value(value)}`);
    return this;
  }

  /** SET only when the attribute is absent (creation timestamps, counters' first value). */
  setIfAbsent(path: readonly string[], value: unknown): this {
    const target = this.path(...path);
    this.#sets.push(`${target} = if_not_exists(${target}, ${this.value(value)})`);
    return this;
  }

  /** SET to another attribute's value as it was before this update (`a = b`, or `b` if absent, `fallback`). */
  copy(path: readonly string[], from: readonly string[], fallback: unknown): this {
    this.#sets.push(`${this.path(...path)} = if_not_exists(${this.path(...from)}, ${this.value(fallback)})`);
    return this;
  }

  /** A condition `path IN (values…)` from a list of allowed values (e.g. a domain transition table). */
  oneOf(path: readonly string[], values: readonly unknown[]): string {
    if (values.length === 0) throw new Error(`no allowed values for ${path.join('.')}`);
    return `${this.path(...path)} IN (${values.map((value) => this.value(value)).join(', ')})`;
  }

  /** Appends entries to a list attribute, creating it when absent. */
  append(path: readonly string[], entries: readonly unknown[]): this {
    const target = this.path(...path);
    this.#sets.push(
      `${target} = list_append(if_not_exists(${target}, ${this.value([])}), ${this.value(entries)})`,
    );
    return this;
  }

  /** Increments a number attribute (absent counts as 0). */
  increment(path: readonly string[], by = 1): this {
    this.#adds.push(`${this.path(...path)} ${this.value(by)}`);
    return this;
  }

  /** Adds strings to a string-set attribute (creating it), idempotently. */
  addToSet(path: readonly string[], members: readonly string[]): this {
    this.#adds.push(`${this.path(...path)} ${this.value(new Set(members))}`);
    return this;
  }

  /** Deletes strings from a string-set attribute; DynamoDB drops the attribute once it is empty. */
  deleteFromSet(path: readonly string[], members: readonly string[]): this {
    this.#deletes.push(`${this.path(...path)} ${this.value(new Set(members))}`);
    return this;
  }

  remove(path: readonly string[]): this {
    this.#removes.push(this.path(...path));
    return this;
  }

  /** Adds a condition (ANDed with the others). Use `path`/`value` for its placeholders. */
  condition(expression: string): this {
    this.#conditions.push(`(${expression})`);
    return this;
  }

  build(): BuiltUpdate {
    const clauses = [
      this.#sets.length > 0 ? `SET ${this.#sets.join(', ')}` : '',
      this.#removes.length > 0 ? `REMOVE ${this.#removes.join(', ')}` : '',
      this.#adds.length > 0 ? `ADD ${this.#adds.join(', ')}` : '',
      this.#deletes.length > 0 ? `DELETE ${this.#deletes.join(', ')}` : '',
    ].filter(Boolean);
    const names = Object.fromEntries([...this.#names].map(([name, placeholder]) => [placeholder, name]));
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.#conditions.length > 0 ? { ConditionExpression: this.#conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ...(Object.keys(this.#values).length > 0 ? { ExpressionAttributeValues: { ...this.#values } } : {}),
    };
  }
}
