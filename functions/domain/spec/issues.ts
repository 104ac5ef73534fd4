import type * as z from 'zod/mini';

/** One problem with an input, always naming the field by its dotted path (`network.podCidr`, `namespaces.0.name`). */
export interface SpecIssue {
  readonly field: string;
  readonly message: string;
}

export type Validation<T> = { ok: true; spec: T } | { ok: false; issues: SpecIssue[] };

/** The dotted path of a zod issue; the root of the document is called `spec`. */
export function fieldOf(path: readonly PropertyKey[], root = 'spec'): string {
  return path.length === 0 ? root : path.map(String).join('.');
}

/**
 * Every message starts with its field, so a human reading only the message still knows where to
 * look — once: a detail that already names the field (an error's message passed on) is not
 * prefixed again, so no refusal reads `after: after: is required`.
 */
export function issue(field: string, detail: string): SpecIssue {
  const prefix = `${field}: `;
  return { field, message: detail.startsWith(prefix) ? detail : `${prefix}${detail}` };
}

/** Turns zod's issues into field-named ones: one per unknown key, "is required" for missing values. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], root = 'spec'): SpecIssue[] {
  return issues.flatMap((zodIssue) => {
    if (zodIssue.code === 'unrecognized_keys') {
      return zodIssue.keys.map((key) =>
        issue(fieldOf([...zodIssue.path, key], root), 'is not a known field'),
      );
    }
    const field = fieldOf(zodIssue.path, root);
    const missing = zodIssue.code === 'invalid_type' && zodIssue.message.endsWith('received undefined');
    return [issue(field, missing ? 'is required' : zodIssue.message)];
  });
}

/**
 * The message of a string field given something else. A number (YAML reads `1.30` and `4`
 * unquoted as numbers) is said to be one, with the string to write instead: `like` picks the
 * string the number stands for (`1.3` → `"1.30"` among the supported versions), else its digits.
 */
export function stringExpected(
  expected: string,
  like: readonly string[] = [],
): (problem: { readonly input?: unknown }) => string {
  return ({ input }) => {
    if (typeof input !== 'number') return expected;
    const written = like.find((candidate) => Number(candidate) === input) ?? String(input);
    return `is the number ${input}: write it as a string, "${written}"`;
  };
}
