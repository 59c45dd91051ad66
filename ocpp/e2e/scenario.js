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
// transaction on connector 2. Then it prints OPERATIONS and answers the
// station operations the back office sends (GetConfiguration,
// ChangeConfiguration, TriggerMessage, ReserveNow, CancelReservation,
// SendLocalList, GetLocalListVersion, UpdateFirmware, GetDiagnostics) with
// the notifications they call for, until GetDiagnostics; it prints the
// local list it holds then as LOCALLIST {"version", "entries"}. It prints
// one line per check and a summary, and exits non-zero on any deviation.
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

// stationOperations answers the station operations as a charge point does
// (issue 19), keeping a configuration, connector states and a local list,
// and sends the notifications each calls for once it has answered.
function stationOperations(cli) {
  const config = {
    HeartbeatInterval: { value: '300' },
    MeterValueSampleInterval: { value: '60', reboot: true },
    LocalAuthListEnabled: { value: 'true' },
    SendLocalListMaxLength: { value: '250', readonly: true },
  };
  const connectors = { 0: 'Available', 1: 'Available', 2: 'Available' };
  const reservations = new Map(); // reservationId -> connectorId
  const list = { version: 0, entries: new Map() };
  const seen = new Set();
  const pending = [];
  // after runs fn once the answer being returned has gone out.
  const after = (name, fn) => pending.push(new Promise((resolve) => setImmediate(() => expect(name, fn).then(resolve))));
  const status = (connectorId, info) => cli.call('StatusNotification', {
    connectorId, errorCode: 'NoError', status: connectors[connectorId], timestamp: isoNow(), ...(info ? { info } : {}),
  });

  cli.handle('GetConfiguration', ({ params }) => {
    seen.add('GetConfiguration');
    const keys = params.key && params.key.length > 0 ? params.key : Object.keys(config);
    return {
      configurationKey: keys.filter((k) => config[k]).map((key) => ({ key, readonly: !!config[key].readonly, value: config[key].value })),
      unknownKey: keys.filter((k) => !config[k]),
    };
  });
  cli.handle('ChangeConfiguration', ({ params }) => {
    seen.add('ChangeConfiguration');
    const c = config[params.key];
    if (!c) return { status: 'NotSupported' };
    if (c.readonly) return { status: 'Rejected' };
    c.value = params.value;
    return { status: c.reboot ? 'RebootRequired' : 'Accepted' };
  });
  cli.handle('TriggerMessage', ({ params }) => {
    seen.add('TriggerMessage');
    switch (params.requestedMessage) {
      case 'StatusNotification':
        after('the triggered StatusNotification', async () => {
          await status(params.connectorId || 0, 'TriggerMessage');
          check(`a triggered StatusNotification for connector ${params.connectorId || 0}`, true);
        });
        return { status: 'Accepted' };
      case 'Heartbeat':
        after('the triggered Heartbeat', async () => {
          const r = await cli.call('Heartbeat', {});
          check('a triggered Heartbeat', !isNaN(Date.parse(r.currentTime)), r);
        });
        return { status: 'Accepted' };
    }
    return { status: 'NotImplemented' };
  });
  cli.handle('ReserveNow', ({ params }) => {
    seen.add('ReserveNow');
    check('ReserveNow expires in the future', Date.parse(params.expiryDate) > Date.now(), params);
    if (connectors[params.connectorId] !== 'Available') return { status: 'Occupied' };
    connectors[params.connectorId] = 'Reserved';
    reservations.set(params.reservationId, params.connectorId);
    after('the connector reported Reserved', () => status(params.connectorId));
    return { status: 'Accepted' };
  });
  cli.handle('CancelReservation', ({ params }) => {
    seen.add('CancelReservation');
    const connectorId = reservations.get(params.reservationId);
    if (connectorId === undefined) return { status: 'Rejected' };
    reservations.delete(params.reservationId);
    connectors[connectorId] = 'Available';
    after('the connector reported Available again', () => status(connectorId));
    return { status: 'Accepted' };
  });
  cli.handle('SendLocalList', ({ params }) => {
    seen.add('SendLocalList');
    if (params.updateType === 'Differential' && params.listVersion <= list.version) return { status: 'VersionMismatch' };
    if (params.updateType === 'Full') list.entries.clear();
    for (const e of params.localAuthorizationList || []) {
      if (e.idTagInfo) {
        list.entries.set(e.idTag, { idTag: e.idTag, status: e.idTagInfo.status, expiryDate: e.idTagInfo.expiryDate || '', parentIdTag: e.idTagInfo.parentIdTag || '' });
      } else {
        list.entries.delete(e.idTag);
      }
    }
    list.version = params.listVersion;
    return { status: 'Accepted' };
  });
  cli.handle('GetLocalListVersion', () => {
    seen.add('GetLocalListVersion');
    return { listVersion: list.version };
  });
  cli.handle('UpdateFirmware', ({ params }) => {
    seen.add('UpdateFirmware');
    check('UpdateFirmware names a location and a time', /^https:/.test(params.location) && !isNaN(Date.parse(params.retrieveDate)), params);
    after('FirmwareStatusNotification to Installed', async () => {
      for (const s of ['Downloading', 'Downloaded', 'Installing', 'Installed']) {
        await cli.call('FirmwareStatusNotification', { status: s });
      }
      check('FirmwareStatusNotification Downloading → Installed', true);
    });
    return {};
  });
  cli.handle('GetDiagnostics', ({ params }) => {
    seen.add('GetDiagnostics');
    const fileName = `diagnostics-${identity}.zip`;
    after('DiagnosticsStatusNotification to Uploaded', async () => {
      for (const s of ['Uploading', 'Uploaded']) {
        await cli.call('DiagnosticsStatusNotification', { status: s });
      }
      check(`diagnostics uploaded to ${params.location}`, true);
    });
    return { fileName };
  });

  return {
    // done waits for GetDiagnostics, which the back office sends last, and
    // the notifications that followed; false after a timeout.
    async done(ms) {
      const end = Date.now() + ms;
      while (!seen.has('GetDiagnostics') && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(pending);
      return seen.has('GetDiagnostics');
    },
    seen,
    localList: () => ({ version: list.version, entries: [...list.entries.values()].sort((a, b) => a.idTag.localeCompare(b.idTag)) }),
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
  const ops = stationOperations(cli);
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

  console.log('OPERATIONS');
  const operated = await ops.done(30000);
  const want = ['GetConfiguration', 'ChangeConfiguration', 'TriggerMessage', 'ReserveNow', 'CancelReservation', 'SendLocalList',
    'GetLocalListVersion', 'UpdateFirmware', 'GetDiagnostics'];
  check('the station operations reached the station', operated && want.every((m) => ops.seen.has(m)), [...ops.seen]);
  console.log('LOCALLIST ' + JSON.stringify(ops.localList()));

  await cli.close({ code: 1000, reason: 'scenario done' });
}

main()
  .catch((err) => check('scenario runs', false, String(err && err.stack || err)))
  .finally(() => {
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
