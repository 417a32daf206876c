import { promises as dns } from 'node:dns';

/** DNS lookups for custom-domain verification; tests inject a fake. */
export interface DnsResolver {
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname(name: string): Promise<string[]>;
}

export const systemDnsResolver: DnsResolver = {
  resolveTxt: (name) => dns.resolveTxt(name),
  resolveCname: (name) => dns.resolveCname(name),
};
