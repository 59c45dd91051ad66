// A charge point built on a third-party OCPP library (ocpp-rpc, strict mode:
// it checks every request it sends and every answer it gets against the
// OCPP 1.6 schemas) plays a day at the office against fleetcharge's OCPP
// endpoint. ocpp/e2e_test.go runs it:
//
//   node scenario.js URL IDENTITY PASSWORD GOOD_TAG BLOCKED_TAG UNKNOWN_TAG
//
// URL is the endpoint without the identity (ws://127.0.0.1:PORT/ocpp). The
// script boots, reports status, authorizes a good, a blocked and an unknown
// card, runs a metered transaction (repeating its StartTransaction), then
// prints READY and waits for the back office to send a RemoteStartTransaction
// and a Reset, which it answers; the remote start becomes a second
// transaction on connector 2. It prints one line per check and a summary,
// and exits non-zero on any deviation.
'use strict';

const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, identity, password, goodTag, blockedTag, unknownTag] = process.argv.slice(2);
if (!unknownTag) {
  console.error('usage: node scenario.js URL IDENTITY PASSWORD GOOD_TAG BLOCKED_TAG UNKNOWN_TAG');
  process.exit(2);
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
}

// expect runs one step; a thrown error (a CALLERROR, a schema violation of
// the answer, a timeout) fails the check.
async function expect(name, fn) {
  try {
    await fn();
  } catch (err) {
    check(name, false, `${err.name}: ${err.message}`);
  }
}

const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

function energy(timestamp, value, unit) {
  return {
    timestamp,
    sampledValue: [{ value: String(value), unit, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' }],
  };
}

async function main() {
  const cli = new RPCClient({
    endpoint: url,
    identity,
    password,
    protocols: ['ocpp1.6'],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
  });
  cli.on('badMessage', ({ error }) => check('no malformed message from the server', false, String(error)));

  // The back office's commands: answered, and the remote start acted on.
  let remoteStart;
  let reset;
  const commands = new Promise((resolve) => {
    const done = () => remoteStart && reset && resolve();
    cli.handle('RemoteStartTransaction', ({ params }) => {
      remoteStart = params;
      setImmediate(done);
      return { status: 'Accepted' };
    });
    cli.handle('Reset', ({ params }) => {
      reset = params;
      setImmediate(done);
      return { status: 'Accepted' };
    });
  });
  cli.handle(({ method }) => {
    check(`no unexpected command (${method})`, false);
    throw createRPCError('NotImplemented');
  });

  await cli.connect();
  check('connects with ocpp1.6 and its password', cli.protocol === 'ocpp1.6', cli.protocol);

  await expect('BootNotification accepted', async () => {
    const r = await cli.call('BootNotification', {
      chargePointVendor: 'ocpp-rpc', chargePointModel: 'scenario', chargePointSerialNumber: 'E2E-0001', firmwareVersion: '1.0.0',
    });
    check('BootNotification accepted', r.status === 'Accepted' && r.interval > 0 && !isNaN(Date.parse(r.currentTime)), r);
  });

  await expect('StatusNotification', async () => {
    for (const connectorId of [0, 1, 2]) {
      await cli.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available', timestamp: isoNow() });
    }
    check('StatusNotification', true);
  });

  await expect('Heartbeat', async () => {
    const r = await cli.call('Heartbeat', {});
    check('Heartbeat', !isNaN(Date.parse(r.currentTime)), r);
  });

  for (const [tag, want] of [[goodTag, 'Accepted'], [blockedTag, 'Blocked'], [unknownTag, 'Invalid']]) {
    await expect(`Authorize ${tag} is ${want}`, async () => {
      const r = await cli.call('Authorize', { idTag: tag });
      check(`Authorize ${tag} is ${want}`, r.idTagInfo.status === want, r);
    });
  }

  await expect('a metered transaction', async () => {
    const start = { connectorId: 1, idTag: goodTag, meterStart: 1000, timestamp: isoNow(-60 * 60 * 1000) };
    const first = await cli.call('StartTransaction', start);
    check('StartTransaction accepted', first.idTagInfo.status === 'Accepted' && first.transactionId > 0, first);
    // The station did not hear the answer and sends the same request again.
    const again = await cli.call('StartTransaction', start);
    check('a repeated StartTransaction gets the same transactionId', again.transactionId === first.transactionId, [first, again]);
    const transactionId = first.transactionId;

    await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    await cli.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(isoNow(-30 * 60 * 1000), 5000, 'Wh')] });
    await cli.call('MeterValues', { connectorId: 1, transactionId, meterValue: [energy(isoNow(-10 * 60 * 1000), 9.5, 'kWh')] });
    check('MeterValues', true);

    const stop = await cli.call('StopTransaction', {
      transactionId, idTag: goodTag, meterStop: 11000, timestamp: isoNow(), reason: 'EVDisconnected',
      transactionData: [energy(isoNow(), 11000, 'Wh')],
    });
    check('StopTransaction confirmed', stop.idTagInfo && stop.idTagInfo.status === 'Accepted', stop);
    await cli.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  });

  await expect('DataTransfer', async () => {
    const r = await cli.call('DataTransfer', { vendorId: 'org.example.scenario', messageId: 'Hello', data: 'world' });
    check('DataTransfer of an unknown vendor', r.status === 'UnknownVendorId', r);
  });

  await expect('firmware and diagnostics notifications', async () => {
    await cli.call('FirmwareStatusNotification', { status: 'Idle' });
    await cli.call('DiagnosticsStatusNotification', { status: 'Idle' });
    check('firmware and diagnostics notifications', true);
  });

  console.log('READY');
  const waited = await Promise.race([
    commands.then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 20000)),
  ]);
  check('RemoteStartTransaction and Reset reached the station', waited, { remoteStart, reset });
  if (waited) {
    check('RemoteStartTransaction carries the idTag and connector', remoteStart.idTag === goodTag && remoteStart.connectorId === 2, remoteStart);
    check('Reset is soft', reset.type === 'Soft', reset);
    await expect('the remote start charges', async () => {
      const r = await cli.call('StartTransaction', { connectorId: remoteStart.connectorId, idTag: remoteStart.idTag, meterStart: 0, timestamp: isoNow() });
      check('the remote start is accepted', r.idTagInfo.status === 'Accepted', r);
      await cli.call('StopTransaction', { transactionId: r.transactionId, meterStop: 2500, timestamp: isoNow(1000), reason: 'Remote' });
      check('the remote transaction stops', true);
    });
  }

  await cli.close({ code: 1000, reason: 'scenario done' });
}

main()
  .catch((err) => check('scenario runs', false, String(err && err.stack || err)))
  .finally(() => {
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
