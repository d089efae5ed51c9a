// The development IdP's users and clients, read from YAML and checked with zod (never trusted raw).
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

export const devUserSchema = z.strictObject({
  /** Login name (also accepted: the email). */
  username: z.string().min(1),
  password: z.string().min(1),
  /** Subject (`sub`); default: the username. */
  sub: z.string().min(1).optional(),
  email: z.string().optional(),
  name: z.string().optional(),
  groups: z.array(z.string()).default([]),
  /** Extra claims released in the ID token and userinfo (e.g. `department: engineering`). */
  claims: z.record(z.string(), z.unknown()).default({}),
});
export type DevUser = z.input<typeof devUserSchema>;

export const devClientSchema = z.strictObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  redirect_uris: z.array(z.string().url()).min(1),
  post_logout_redirect_uris: z.array(z.string().url()).default([]),
});
export type DevClient = z.input<typeof devClientSchema>;

export const devIdpFileSchema = z.strictObject({
  users: z.array(devUserSchema).default([]),
  clients: z.array(devClientSchema).default([]),
});
export type DevIdpFile = z.output<typeof devIdpFileSchema>;

/** Reads and validates a dev IdP YAML file (`users:` and `clients:`). */
export async function loadDevIdpFile(path: string): Promise<DevIdpFile> {
  const text = await readFile(path, 'utf8');
  const result = devIdpFileSchema.safeParse(parse(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${path}: ${issues.join('; ')}`);
  }
  return result.data;
}
