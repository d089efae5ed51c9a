// Which services a config runs: `services` is a comma list where `all` means every service.

export type ServiceName = 'authenticate' | 'authorize' | 'proxy' | 'databroker';

/** True when `services` (e.g. `all` or `authorize,proxy`) includes `name`. */
export function runsService(config: { readonly services: string }, name: ServiceName): boolean {
  const list = config.services.split(',');
  return list.includes('all') || list.includes(name);
}
