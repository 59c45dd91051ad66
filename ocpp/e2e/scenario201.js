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
// it). It prints one line per check and a summary, and exits non-zero on any
// deviation.
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
      return {
        setVariableResult: params.setVariableData.map((d) => ({
          attributeStatus: 'Accepted', component: d.component, variable: d.variable,
        })),
      };
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
