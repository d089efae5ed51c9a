// The shapes of the Pomerium keys Portcullis parses but does not act on yet (mcp*):
// a value of the wrong shape is an error at load, as in Pomerium, even though the feature itself
// only warns (docs/migrating-from-pomerium.md). Keys not listed here are only warned about.
import * as z from 'zod';

export const POMERIUM_ONLY_GLOBAL_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  mcp: z.record(z.string(), z.unknown()),
};

export const POMERIUM_ONLY_ROUTE_SCHEMAS: Readonly<Record<string, z.ZodType>> = {};

/** The first problem of `value` for `key`, or undefined when it has the right shape. */
export function pomeriumValueProblem(
  schemas: Readonly<Record<string, z.ZodType>>,
  key: string,
  value: unknown,
): { path: PropertyKey[]; message: string } | undefined {
  const schema = Object.hasOwn(schemas, key) ? schemas[key] : undefined;
  if (schema === undefined) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  return { path: issue.path, message: issue.message };
}
