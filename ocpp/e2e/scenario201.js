// An OCPP 2.0.1 charging station built on a third-party library (ocpp-rpc,
// strict mode with protocol ocpp2.0.1: it checks every request it sends and
// every answer it gets, and every call it receives, against the OCPP 2.0.1
// schemas) plays a day at the office against fleetcharge's OCPP endpoint.
// ocpp/e2e_test.go runs it:
//
//   node scenario201.js URL IDENTITY PASSWORD GOOD_TAG BLOCKED_TAG UNKNOWN_TAG
//
// It boots, reports status, authorizes a good, a blocked and an unknown
// card, runs a metered transaction (Started, Updated with a repeat, Ended),
// disconnects, reconnects and replays a transaction it queued offline, then
// prints READY and waits for the back office: GetBaseReport (answered with
// a NotifyReport), SetVariables, RequestStartTransaction (which starts a
// transaction on the EVSE asked for) and RequestStopTransaction (which ends
// it). Then it prints OPERATIONS and answers the station operations
// (GetVariables, SetVariables, TriggerMessage, ReserveNow,
// CancelReservation, SendLocalList, GetLocalListVersion, UpdateFirmware,
// GetLog) with the notifications they call for, until GetLog; it prints the
// local list it holds then as LOCALLIST {"version", "entries"} (entries in
// OCPP 1.6's words: idTag, status, expiryDate, parentIdTag). It prints one
// line per check and a summary, and exits non-zero on any deviation.
'use strict';

const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, identity, password, goodTag, blockedTag, unknownTag] = process.argv.slice(2);
if (!unknownTag) {
  console.error('usage: node scenario201.js URL IDENTITY PASSWORD GOOD_TAG BLOCKED_TAG UNKNOWN_TAG');
  process.exit(2);
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
}

async function expect(name, fn) {
  try {
    await fn();
  } catch (err) {
    check(name, false, `${err.name}: ${err.message}`);
  }
}

const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();
const token = (idToken) => ({ idToken, type: 'ISO14443' });

function energy(timestamp, value, unit, context) {
  const sv = { value, measurand: 'Energy.Active.Import.Register', context: context || 'Sample.Periodic' };
  if (unit) sv.unitOfMeasure = { unit };
  return { timestamp, sampledValue: [sv] };
}

// The station's device model, configuration and local list, which
// outlive a reconnection.
const variables = {
  'OCPPCommCtrlr.HeartbeatInterval': { value: '300' },
  'SampledDataCtrlr.TxUpdatedInterval': { value: '60', reboot: true },
  'LocalAuthListCtrlr.Enabled': { value: 'true' },
  'LocalAuthListCtrlr.ItemsPerMessage': { value: '250', readonly: true },
};
const evses = { 1: 'Available', 2: 'Available' };
const reservations = new Map(); // id -> evseId
const localList = { version: 0, entries: new Map() };
const asked = new Set();
const pending = [];

// variableResult answers one GetVariables or SetVariables datum.
function variableResult(d, set) {
  const name = `${d.component.name}.${d.variable.name}`;
  const v = variables[name];
  const known = Object.keys(variables).some((k) => k.startsWith(d.component.name + '.'));
  const r = { component: d.component, variable: d.variable };
  if (!v) return { ...r, attributeStatus: known ? 'UnknownVariable' : 'UnknownComponent' };
  if (!set) return { ...r, attributeStatus: 'Accepted', attributeValue: v.value };
  if (v.readonly) return { ...r, attributeStatus: 'Rejected' };
  v.value = d.attributeValue;
  return { ...r, attributeStatus: v.reboot ? 'RebootRequired' : 'Accepted' };
}

// setVariables answers SetVariables.
function setVariables(params) {
  asked.add('SetVariables');
  return { setVariableResult: params.setVariableData.map((d) => variableResult(d, true)) };
}

// stationOperations answers the station operations on cli as a charging
// station does (issue 19), and sends the notifications each calls for once
// it has answered.
function stationOperations(cli) {
  const after = (name, fn) => pending.push(new Promise((resolve) => setImmediate(() => expect(name, fn).then(resolve))));
  const status = (evseId) => cli.call('StatusNotification', { timestamp: isoNow(), connectorStatus: evses[evseId], evseId, connectorId: 1 });

  cli.handle('GetVariables', ({ params }) => {
    asked.add('GetVariables');
    return { getVariableResult: params.getVariableData.map((d) => variableResult(d, false)) };
  });
  cli.handle('SetVariables', ({ params }) => setVariables(params));
  cli.handle('TriggerMessage', ({ params }) => {
    asked.add('TriggerMessage');
    switch (params.requestedMessage) {
      case 'StatusNotification':
        if (!params.evse || !evses[params.evse.id]) return { status: 'Rejected' };
        after('the triggered StatusNotification', async () => {
          await status(params.evse.id);
          check(`a triggered StatusNotification for EVSE ${params.evse.id}`, true);
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
    asked.add('ReserveNow');
    check('ReserveNow expires in the future', Date.parse(params.expiryDateTime) > Date.now(), params);
    const evseId = params.evseId || 1;
    if (evses[evseId] !== 'Available') return { status: 'Occupied' };
    evses[evseId] = 'Reserved';
    reservations.set(params.id, evseId);
    after('the EVSE reported Reserved', () => status(evseId));
    return { status: 'Accepted' };
  });
  cli.handle('CancelReservation', ({ params }) => {
    asked.add('CancelReservation');
    const evseId = reservations.get(params.reservationId);
    if (evseId === undefined) return { status: 'Rejected' };
    reservations.delete(params.reservationId);
    evses[evseId] = 'Available';
    after('the EVSE reported Available again', () => status(evseId));
    return { status: 'Accepted' };
  });
  cli.handle('SendLocalList', ({ params }) => {
    asked.add('SendLocalList');
    if (params.updateType === 'Differential' && params.versionNumber <= localList.version) return { status: 'VersionMismatch' };
    if (params.updateType === 'Full') localList.entries.clear();
    for (const e of params.localAuthorizationList || []) {
      const tag = e.idToken.idToken;
      if (!e.idTokenInfo) {
        localList.entries.delete(tag);
        continue;
      }
      const info = e.idTokenInfo;
      localList.entries.set(tag, {
        idTag: tag, status: info.status, expiryDate: info.cacheExpiryDateTime || '', parentIdTag: info.groupIdToken ? info.groupIdToken.idToken : '',
      });
    }
    localList.version = params.versionNumber;
    return { status: 'Accepted' };
  });
  cli.handle('GetLocalListVersion', () => {
    asked.add('GetLocalListVersion');
    return { versionNumber: localList.version };
  });
  cli.handle('UpdateFirmware', ({ params }) => {
    asked.add('UpdateFirmware');
    check('UpdateFirmware names a location, a time and a request', /^https:/.test(params.firmware.location) &&
      !isNaN(Date.parse(params.firmware.retrieveDateTime)) && params.requestId > 0, params);
    after('FirmwareStatusNotification to Installed', async () => {
      for (const s of ['Downloading', 'Downloaded', 'Installing', 'Installed']) {
        await cli.call('FirmwareStatusNotification', { status: s, requestId: params.requestId });
      }
      check('FirmwareStatusNotification Downloading → Installed', true);
    });
    return { status: 'Accepted' };
  });
  cli.handle('GetLog', ({ params }) => {
    asked.add('GetLog');
    check('GetLog asks for the diagnostics log', params.logType === 'DiagnosticsLog' && params.requestId > 0, params);
    after('LogStatusNotification to Uploaded', async () => {
      for (const s of ['Uploading', 'Uploaded']) {
        await cli.call('LogStatusNotification', { status: s, requestId: params.requestId });
      }
      check(`the log uploaded to ${params.log.remoteLocation}`, true);
    });
    return { status: 'Accepted', filename: `diagnostics-${identity}.zip` };
  });
}

// operated waits for GetLog, which the back office sends last, and the
// notifications that followed; false after a timeout.
async function operated(ms) {
  const end = Date.now() + ms;
  while (!asked.has('GetLog') && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.all(pending);
  return asked.has('GetLog');
}

function client() {
  const cli = new RPCClient({
    endpoint: url,
    identity,
    password,
    protocols: ['ocpp2.0.1'],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
  });
  cli.on('badMessage', ({ error }) => check('no malformed message from the server', false, String(error)));
  stationOperations(cli);
  return cli;
}

async function dayAtTheOffice(cli) {
  await cli.connect();
  check('connects with ocpp2.0.1 and its password', cli.protocol === 'ocpp2.0.1', cli.protocol);

  await expect('BootNotification accepted', async () => {
    const r = await cli.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'ocpp-rpc', model: 'scenario201', serialNumber: 'E2E-201', firmwareVersion: '2.0.1' },
    });
    check('BootNotification accepted', r.status === 'Accepted' && r.interval > 0 && !isNaN(Date.parse(r.currentTime)), r);
  });

  await expect('StatusNotification', async () => {
    for (const evseId of [1, 2]) {
      await cli.call('StatusNotification', { timestamp: isoNow(), connectorStatus: 'Available', evseId, connectorId: 1 });
    }
    check('StatusNotification', true);
  });

  await expect('Heartbeat', async () => {
    const r = await cli.call('Heartbeat', {});
    check('Heartbeat', !isNaN(Date.parse(r.currentTime)), r);
  });

  for (const [tag, want] of [[goodTag, 'Accepted'], [blockedTag, 'Blocked'], [unknownTag, 'Unknown']]) {
    await expect(`Authorize ${tag} is ${want}`, async () => {
      const r = await cli.call('Authorize', { idToken: token(tag) });
      check(`Authorize ${tag} is ${want}`, r.idTokenInfo.status === want, r);
    });
  }

  await expect('a metered transaction', async () => {
    const tx = { transactionId: 'E2E-TX-1' };
    const started = await cli.call('TransactionEvent', {
      eventType: 'Started', timestamp: isoNow(-60 * 60 * 1000), triggerReason: 'Authorized', seqNo: 0,
      transactionInfo: tx, evse: { id: 1, connectorId: 1 }, idToken: token(goodTag),
      meterValue: [energy(isoNow(-60 * 60 * 1000), 1000, 'Wh', 'Transaction.Begin')],
    });
    check('TransactionEvent Started accepted', started.idTokenInfo && started.idTokenInfo.status === 'Accepted', started);
    await cli.call('StatusNotification', { timestamp: isoNow(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    const updated = {
      eventType: 'Updated', timestamp: isoNow(-30 * 60 * 1000), triggerReason: 'MeterValuePeriodic', seqNo: 1,
      transactionInfo: { ...tx, chargingState: 'Charging' }, meterValue: [energy(isoNow(-30 * 60 * 1000), 5000, 'Wh')],
    };
    await cli.call('TransactionEvent', updated);
    // The station did not hear the answer and sends the same event again.
    await cli.call('TransactionEvent', updated);
    check('a repeated TransactionEvent is answered', true);
    await cli.call('TransactionEvent', {
      eventType: 'Updated', timestamp: isoNow(-10 * 60 * 1000), triggerReason: 'ChargingStateChanged', seqNo: 2,
      transactionInfo: { ...tx, chargingState: 'SuspendedEV' }, meterValue: [energy(isoNow(-10 * 60 * 1000), 9.5, 'kWh')],
    });
    const ended = await cli.call('TransactionEvent', {
      eventType: 'Ended', timestamp: isoNow(), triggerReason: 'EVDeparted', seqNo: 3,
      transactionInfo: { ...tx, stoppedReason: 'EVDisconnected' }, idToken: token(goodTag),
      meterValue: [energy(isoNow(), 11000, 'Wh', 'Transaction.End')],
    });
    check('TransactionEvent Ended confirmed', ended.idTokenInfo && ended.idTokenInfo.status === 'Accepted', ended);
    await cli.call('StatusNotification', { timestamp: isoNow(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  });

  await expect('notifications', async () => {
    await cli.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: isoNow() });
    await cli.call('FirmwareStatusNotification', { status: 'Idle' });
    await cli.call('LogStatusNotification', { status: 'Idle' });
    const r = await cli.call('DataTransfer', { vendorId: 'org.example.scenario', messageId: 'Hello', data: 'world' });
    check('notifications and DataTransfer', r.status === 'UnknownVendorId', r);
  });

  await cli.close({ code: 1000, reason: 'network down' });
}

async function backOnline(cli) {
  // The back office's commands, answered and acted on.
  let remoteStart;
  const waits = {};
  const seen = new Promise((resolve) => {
    const done = () => ['GetBaseReport', 'SetVariables', 'RequestStartTransaction', 'RequestStopTransaction'].every((m) => waits[m]) && resolve();
    cli.handle('GetBaseReport', ({ params }) => {
      waits.GetBaseReport = params;
      setImmediate(async () => {
        await expect('NotifyReport', async () => {
          await cli.call('NotifyReport', {
            requestId: params.requestId, generatedAt: isoNow(), seqNo: 0,
            reportData: [
              { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' },
                variableAttribute: [{ type: 'Actual', value: '300', mutability: 'ReadWrite' }],
                variableCharacteristics: { unit: 's', dataType: 'integer', supportsMonitoring: false } },
              { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' },
                variableAttribute: [{ type: 'MaxSet', value: '22000', mutability: 'ReadOnly' }],
                variableCharacteristics: { unit: 'W', dataType: 'decimal', supportsMonitoring: true } },
            ],
          });
          check('NotifyReport answers GetBaseReport', true);
        });
        done();
      });
      return { status: 'Accepted' };
    });
    cli.handle('SetVariables', ({ params }) => {
      waits.SetVariables = params;
      setImmediate(done);
      return setVariables(params);
    });
    cli.handle('RequestStartTransaction', ({ params }) => {
      waits.RequestStartTransaction = params;
      remoteStart = params;
      setImmediate(async () => {
        await expect('the remote start charges', async () => {
          const r = await cli.call('TransactionEvent', {
            eventType: 'Started', timestamp: isoNow(), triggerReason: 'RemoteStart', seqNo: 0,
            transactionInfo: { transactionId: 'E2E-REMOTE', remoteStartId: params.remoteStartId },
            evse: { id: params.evseId, connectorId: 1 }, idToken: params.idToken,
            meterValue: [energy(isoNow(), 0, 'Wh', 'Transaction.Begin')],
          });
          check('the remote start is accepted', r.idTokenInfo && r.idTokenInfo.status === 'Accepted', r);
          console.log('REMOTE-STARTED');
        });
        done();
      });
      return { status: 'Accepted', transactionId: 'E2E-REMOTE' };
    });
    cli.handle('RequestStopTransaction', ({ params }) => {
      waits.RequestStopTransaction = params;
      setImmediate(async () => {
        await expect('the remote stop ends the transaction', async () => {
          await cli.call('TransactionEvent', {
            eventType: 'Ended', timestamp: isoNow(1000), triggerReason: 'RemoteStop', seqNo: 1,
            transactionInfo: { transactionId: params.transactionId, stoppedReason: 'Remote' },
            meterValue: [energy(isoNow(1000), 2500, 'Wh', 'Transaction.End')],
          });
          check('the remote transaction ends', true);
        });
        done();
      });
      return { status: 'Accepted' };
    });
  });
  cli.handle(({ method }) => {
    check(`no unexpected command (${method})`, false);
    throw createRPCError('NotImplemented');
  });

  // A reconnection, not a reboot: no BootNotification, and the events the
  // station queued while offline go first, in order.
  await cli.connect();
  await expect('an offline transaction replayed', async () => {
    const tx = { transactionId: 'E2E-TX-OFF' };
    const at = (min) => isoNow((-180 + min) * 60 * 1000);
    await cli.call('TransactionEvent', {
      eventType: 'Started', timestamp: at(0), triggerReason: 'Authorized', seqNo: 0, offline: true,
      transactionInfo: tx, evse: { id: 2, connectorId: 1 }, idToken: token(goodTag),
      meterValue: [energy(at(0), 20000, 'Wh', 'Transaction.Begin')],
    });
    await cli.call('TransactionEvent', {
      eventType: 'Updated', timestamp: at(20), triggerReason: 'MeterValuePeriodic', seqNo: 1, offline: true,
      transactionInfo: tx, meterValue: [energy(at(20), 23000, 'Wh')],
    });
    const r = await cli.call('TransactionEvent', {
      eventType: 'Ended', timestamp: at(40), triggerReason: 'StopAuthorized', seqNo: 2, offline: true,
      transactionInfo: { ...tx, stoppedReason: 'Local' }, idToken: token(goodTag),
      meterValue: [energy(at(40), 26000, 'Wh', 'Transaction.End')],
    });
    check('the offline events are accepted', r.idTokenInfo && r.idTokenInfo.status === 'Accepted', r);
  });

  console.log('READY');
  const waited = await Promise.race([
    seen.then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 30000)),
  ]);
  check('GetBaseReport, SetVariables, RequestStartTransaction and RequestStopTransaction reached the station', waited, Object.keys(waits));
  if (waited) {
    check('RequestStartTransaction carries the idToken and EVSE', remoteStart.idToken.idToken === goodTag && remoteStart.evseId === 2, remoteStart);
    check('RequestStopTransaction names the station\'s transaction', waits.RequestStopTransaction.transactionId === 'E2E-REMOTE', waits.RequestStopTransaction);
    check('SetVariables sets HeartbeatInterval', waits.SetVariables.setVariableData[0].variable.name === 'HeartbeatInterval', waits.SetVariables);
  }

  console.log('OPERATIONS');
  const done = await operated(30000);
  const want = ['GetVariables', 'SetVariables', 'TriggerMessage', 'ReserveNow', 'CancelReservation', 'SendLocalList',
    'GetLocalListVersion', 'UpdateFirmware', 'GetLog'];
  check('the station operations reached the station', done && want.every((m) => asked.has(m)), [...asked]);
  console.log('LOCALLIST ' + JSON.stringify({
    version: localList.version, entries: [...localList.entries.values()].sort((a, b) => a.idTag.localeCompare(b.idTag)),
  }));
  await cli.close({ code: 1000, reason: 'scenario done' });
}

async function main() {
  await dayAtTheOffice(client());
  await backOnline(client());
}

main()
  .catch((err) => check('scenario runs', false, String(err && err.stack || err)))
  .finally(() => {
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
