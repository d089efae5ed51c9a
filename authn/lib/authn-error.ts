// authn request outcomes are PortcullisErrors; their HTTP status and whether their message is
// shown come from the one error table (errors/error-table.ts). `fail` is authn's short name for
// building one (handlers `throw fail(...)`).
export { portcullisError as fail } from '../../errors/index.js';
