import { describe, expect, it, vi } from 'vitest';
import { isPublicAddress, resolveWebhookTarget, UnsafeWebhookUrl } from '../../shared/webhooks/url-guard.ts';

const deployed = { allowLocalHttp: false };
const local = { allowLocalHttp: true };
/** A resolver that must not be asked: IP literals are judged without DNS. */
const noDns = vi.fn(async (): Promise<Array<{ address: string; family: number }>> => {
  throw new Error('DNS must not be consulted');
});

describe('subscriber URL guard', () => {
  it.each([
    'https://10.1.2.3/',
    'https://172.31.255.255/',
    'https://192.168.0.1/',
    'https://100.64.0.1/',
    'https://127.0.0.1/',
    'https://169.254.169.254/latest/meta-data/',
    'https://169.254.1.1/',
    'https://0.0.0.0/',
    'https://0/',
    'https://224.0.0.251/',
    'https://255.255.255.255/',
    'https://2130706433/', // 127.0.0.1 in decimal
    'https://0x7f000001/', // hex
    'https://017700000001/', // octal
    'https://127.1/', // short form
    'https://0xa9.0xfe.0xa9.0xfe/', // 169.254.169.254 in dotted hex
    'https://[::1]/',
    'https://[::]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[::ffff:10.0.0.1]/',
    'https://[fc00::1]/',
    'https://[fd12:3456::1]/',
    'https://[fe80::1]/',
    'https://[ff02::1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[2002:a9fe:a9fe::1]/',
    'https://[2001:db8::1]/',
  ])('refuses %s without DNS or traffic', async (url) => {
    await expect(resolveWebhookTarget(url, deployed, noDns)).rejects.toBeInstanceOf(UnsafeWebhookUrl);
    expect(noDns).not.toHaveBeenCalled();
  });

  it.each([
    ['http://93.184.216.34/', 'must use https'],
    ['ftp://93.184.216.34/', 'must use https'],
    ['https://user:secret@93.184.216.34/', 'user information'],
    ['not a url', 'absolute URL'],
    ['https://localhost/', 'private'],
    ['https://api.localhost/', 'private'],
  ])('refuses %s in a deployed stage', async (url, reason) => {
    await expect(resolveWebhookTarget(url, deployed, noDns)).rejects.toThrow(reason);
  });

  it('accepts a public IP literal over https and answers it as the address to connect to', async () => {
    await expect(
      resolveWebhookTarget('https://93.184.216.34:8443/hooks?x=1', deployed, noDns),
    ).resolves.toMatchObject({ address: '93.184.216.34', family: 4 });
    await expect(
      resolveWebhookTarget('https://[2606:4700:4700::1111]/', deployed, noDns),
    ).resolves.toMatchObject({
      address: '2606:4700:4700::1111',
      family: 6,
    });
  });

  it('checks every address a host name resolves to, and pins the checked one', async () => {
    const resolver = vi.fn(async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    await expect(
      resolveWebhookTarget('https://hooks.example.test/', deployed, resolver),
    ).resolves.toMatchObject({
      address: '93.184.216.34',
    });
    const rebinding = vi.fn(async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ]);
    await expect(resolveWebhookTarget('https://hooks.example.test/', deployed, rebinding)).rejects.toThrow(
      UnsafeWebhookUrl,
    );
    const mapped = vi.fn(async () => [{ address: '::ffff:192.168.0.1', family: 6 }]);
    await expect(resolveWebhookTarget('https://hooks.example.test/', deployed, mapped)).rejects.toThrow(
      UnsafeWebhookUrl,
    );
  });

  it('allows http to loopback only in local mode, and nothing else private', async () => {
    await expect(resolveWebhookTarget('http://127.0.0.1:4000/hook', local, noDns)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(resolveWebhookTarget('http://localhost:4000/hook', local, noDns)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(resolveWebhookTarget('http://[::1]:4000/', local, noDns)).resolves.toMatchObject({
      address: '::1',
    });
    await expect(resolveWebhookTarget('http://127.0.0.1:4000/hook', deployed, noDns)).rejects.toThrow(
      UnsafeWebhookUrl,
    );
    await expect(resolveWebhookTarget('http://10.0.0.1/', local, noDns)).rejects.toThrow(UnsafeWebhookUrl);
    await expect(resolveWebhookTarget('http://169.254.169.254/', local, noDns)).rejects.toThrow(
      UnsafeWebhookUrl,
    );
    await expect(resolveWebhookTarget('http://93.184.216.34/', local, noDns)).rejects.toThrow(
      'must use https',
    );
    // A public name that resolves to loopback is still refused locally: only literal loopback targets are allowed.
    const toLoopback = vi.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    await expect(resolveWebhookTarget('http://evil.example.test/', local, toLoopback)).rejects.toThrow(
      UnsafeWebhookUrl,
    );
  });

  it('classifies addresses', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('172.15.255.255')).toBe(true);
    expect(isPublicAddress('172.32.0.0')).toBe(true);
    expect(isPublicAddress('100.63.255.255')).toBe(true);
    expect(isPublicAddress('100.128.0.0')).toBe(true);
    expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true);
    expect(isPublicAddress('100.127.255.255')).toBe(false);
    expect(isPublicAddress('fe80::1%eth0')).toBe(false);
    expect(isPublicAddress('not-an-ip')).toBe(false);
  });
});
