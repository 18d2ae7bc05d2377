import { describe, expect, inject, it } from 'vitest';
import { startService } from '../support/fixture.ts';
import { startReceiver } from '../support/receiver.ts';
import { isLoopback, listeningSockets, listeningSocketsOf, parseListening } from '../support/sockets.ts';

/** Nothing the tests start is reachable beyond 127.0.0.1 (the `npm start` side is in npm-start.e2e.test.ts). */
describe('listening sockets', () => {
  it('reads addresses from /proc/net/tcp and tcp6 the way the kernel writes them', () => {
    const header =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const v4 = parseListening(
      `${header}   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0\n` +
        '   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 112 1 0 100 0 0 10 0\n' +
        '   2: 0100007F:91EA 0100007F:A923 01 00000000:00000000 00:00000000 00000000  1000        0 113 1 0 100 0 0 10 0\n',
    );
    expect(v4).toEqual([
      { address: '127.0.0.1', port: 3000, inode: '111' },
      { address: '0.0.0.0', port: 8000, inode: '112' },
    ]);
    const v6 = parseListening(
      `${header}   0: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 121 1 0 100 0 0 10 0\n` +
        '   1: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 122 1 0 100 0 0 10 0\n' +
        '   2: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 123 1 0 100 0 0 10 0\n',
    );
    expect(v6.map((s) => s.address)).toEqual(['::ffff:127.0.0.1', '::', '::1']);
    expect(v6.map((s) => isLoopback(s.address))).toEqual([true, false, true]);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });

  it("binds the run's DynamoDB Local to loopback only", () => {
    const port = Number(new URL(inject('dynamoEndpoint')).port);
    const sockets = listeningSockets().filter((s) => s.port === port);
    expect(sockets.length).toBeGreaterThan(0);
    expect(sockets.map((s) => s.address).filter((a) => !isLoopback(a))).toEqual([]);
  });

  it('binds the local gateway and the test receivers to loopback only', async () => {
    const fixture = await startService();
    const receiver = await startReceiver();
    try {
      const mine = listeningSocketsOf([process.pid]);
      const ports = mine.map((s) => s.port);
      expect(ports).toContain(fixture.port);
      expect(ports).toContain(Number(new URL(receiver.url).port));
      expect(mine.map((s) => s.address).filter((a) => !isLoopback(a))).toEqual([]);
    } finally {
      await receiver.close();
      await fixture.close();
    }
  });
});
