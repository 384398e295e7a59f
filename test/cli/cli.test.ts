/**
 * The `talkbus` command as a user runs it: embedded start and graceful stop, one-shot commands on
 * a data directory, help on every command, and the errors that say what to do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stopAllChildren } from '../support/process.ts';
import { runTalkbus, startTalkbusNode } from '../support/talkbus.ts';

describe('talkbus command', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'talkbus-cli-'));
  });
  after(async () => {
    await stopAllChildren();
    await rm(dir, { recursive: true, force: true });
  });

  test('--help on every command, exit 0', async () => {
    for (const args of [
      ['--help'],
      ['start', '--help'],
      ['act', '--help'],
      ['watch', '--help'],
      ['profile', '--help'],
      ['license', '--help'],
    ]) {
      const result = await runTalkbus(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /Usage: talkbus/);
    }
    const act = await runTalkbus(['act', '--help']);
    assert.match(act.stdout, /profile\.create/);
    // start --help names every service the build has (its list is written out so help stays fast).
    const start = await runTalkbus(['start', '--help']);
    const { serviceFactories } = await import('@talkbus/cli');
    for (const name of Object.keys(serviceFactories)) assert.match(start.stdout, new RegExp(`\\b${name}\\b`), name);
  });

  test('a bad command line exits 2 and says what to do', async () => {
    const unknown = await runTalkbus(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const badJson = await runTalkbus(['act', 'profile.count', '{nope', '--data-dir', dir]);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /params must be a JSON object/);
    const badFlag = await runTalkbus(['watch', 'x.*', '--count', 'many']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--count must be a positive integer/);
    const noBus = await runTalkbus(['watch', 'x.*']);
    assert.equal(noBus.code, 2);
    assert.match(noBus.stderr, /--transporter/);
  });

  test('a bad configuration value is named', async () => {
    const result = await runTalkbus(['act', 'profile.count', '--data-dir', dir], { TALKBUS_LICENSE_MODE: 'sometimes' });
    assert.equal(result.code, 1);
    const error = JSON.parse(result.stderr.trim().split('\n').at(-1)!).error;
    assert.equal(error.key, 'license.mode');
    assert.match(error.message, /TALKBUS_LICENSE_MODE/);
  });

  test('one-shot commands on an embedded data directory', async () => {
    const dataDir = path.join(dir, 'oneshot');
    const created = await runTalkbus(['profile', 'create', 'Alice_CMCC', '--sip-user', '8000', '--data-dir', dataDir]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).account, 'Alice_CMCC');
    const listed = await runTalkbus(['profile', 'list', '--data-dir', dataDir]);
    assert.deepEqual(
      JSON.parse(listed.stdout).accounts.map((a: { account: string }) => a.account),
      ['Alice_CMCC'],
    );
    const duplicate = await runTalkbus(['profile', 'create', 'Alice_CMCC', '--data-dir', dataDir]);
    assert.equal(duplicate.code, 1);
    assert.equal(JSON.parse(duplicate.stderr.trim().split('\n').at(-1)!).error.code, 'ACCOUNT_EXISTS');
    const verify = await runTalkbus(['license', 'verify', '--data-dir', dataDir]);
    assert.equal(JSON.parse(verify.stdout).status, 'off');
  });

  test('npm start equivalent: an embedded node runs, holds its data directory, and stops on SIGTERM', async () => {
    const dataDir = path.join(dir, 'embedded');
    // Every service, as npm start runs them, but on ephemeral loopback ports.
    const node = await startTalkbusNode({
      TALKBUS_DATA_DIR: dataDir,
      TALKBUS_NODE_ID: 'embedded-1',
      TALKBUS_SIP_LISTEN_ADDRESS: '127.0.0.1',
      TALKBUS_SIP_UDP_PORT: '0',
      TALKBUS_SIP_TCP_PORT: '0',
      TALKBUS_SIP_WS_PORT: '0',
      TALKBUS_MEDIA_WORKERS: '1',
    });
    const running = /embedded; services: ([^;]+);/.exec(node.output())?.[1]?.split(', ') ?? [];
    for (const service of ['profile', 'license', 'media', 'registrar-client'])
      assert.ok(running.includes(service), service);
    assert.ok(!running.includes('license-server'), 'license-server runs only in license server mode');
    // A second process on the same data directory gets a clear error instead of corrupting it.
    const second = await runTalkbus(['act', 'profile.count', '--data-dir', dataDir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another process|locked/i);
    assert.equal(await node.stop(8000), 0);
  });
});
