// A roaming station of a CPO, built on a third-party OCPP library
// (ocpp-rpc, strict mode: every call the server sends is checked against
// the official OCPP 1.6 schemas), for the two-platform roaming test
// (cmd/fleetcharge/ocpi_test.go):
//
//   node roaming.js URL IDENTITY PASSWORD
//
// The station has two connectors. It connects, boots, reports both
// connectors Available, prints BOOTED and follows its standard input, one
// command per line, printing one answer line each:
//
//   AUTHORIZE TAG             → AUTHORIZED TAG STATUS
//   START CONNECTOR TAG WH [AT]  → STARTED CONNECTOR TRANSACTIONID STATUS
//   METER CONNECTOR WH [AT]      → METERED CONNECTOR
//   STOP CONNECTOR WH [AT]       → STOPPED CONNECTOR
//   QUIT                         → the script ends
//
// AT is the RFC 3339 time the station reports (now when absent), so that
// a test can charge an hour's energy in a moment.
//
// A RemoteStartTransaction the server sends is answered Accepted when its
// connector is free, and the station then starts that transaction itself
// (meter at 0) and prints REMOTE CONNECTOR TAG TRANSACTIONID STATUS. A
// RemoteStopTransaction of a running transaction is answered Accepted and
// the transaction stopped at its last meter reading (REMOTESTOPPED
// CONNECTOR). Any other server call is answered as a real station would
// answer what it does not support. The script prints FAIL lines for any
// deviation and exits non-zero then.
'use strict';

const readline = require('readline');
const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, identity, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node roaming.js URL IDENTITY PASSWORD');
  process.exit(2);
}

let failed = false;
function fail(what, detail) {
  failed = true;
  console.log(`FAIL ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
}

const isoNow = () => new Date().toISOString();

const cli = new RPCClient({
  endpoint: url,
  identity,
  password,
  protocols: ['ocpp1.6'],
  strictMode: true,
  reconnect: false,
  callTimeoutMs: 10000,
});
cli.on('badMessage', ({ error }) => fail('a malformed message from the server', String(error)));

// connectors: transaction and last meter reading of connectors 1 and 2.
const connectors = { 1: null, 2: null };

async function status(connectorId, value) {
  await cli.call('StatusNotification', { connectorId, errorCode: 'NoError', status: value, timestamp: isoNow() });
}

async function start(connectorId, idTag, meterStart, at) {
  await status(connectorId, 'Preparing');
  const r = await cli.call('StartTransaction', { connectorId, idTag, meterStart, timestamp: at || isoNow() });
  if (r.idTagInfo.status === 'Accepted') {
    connectors[connectorId] = { tx: r.transactionId, wh: meterStart };
    await status(connectorId, 'Charging');
  } else {
    await status(connectorId, 'Available');
  }
  return r;
}

async function stop(connectorId, meterStop, at) {
  const c = connectors[connectorId];
  connectors[connectorId] = null;
  await cli.call('StopTransaction', { transactionId: c.tx, meterStop, timestamp: at || isoNow(), reason: 'Local' });
  await status(connectorId, 'Available');
}

cli.handle('RemoteStartTransaction', ({ params }) => {
  const connectorId = params.connectorId || 1;
  if (connectors[connectorId]) {
    return { status: 'Rejected' };
  }
  // Start once the answer is out, as a station does.
  setTimeout(async () => {
    try {
      const r = await start(connectorId, params.idTag, 0);
      console.log(`REMOTE ${connectorId} ${params.idTag} ${r.transactionId} ${r.idTagInfo.status}`);
    } catch (err) {
      fail('the remote start', `${err.name}: ${err.message}`);
    }
  }, 50);
  return { status: 'Accepted' };
});
cli.handle('RemoteStopTransaction', ({ params }) => {
  const connectorId = Object.keys(connectors).find((k) => connectors[k] && connectors[k].tx === params.transactionId);
  if (!connectorId) {
    return { status: 'Rejected' };
  }
  setTimeout(async () => {
    try {
      await stop(Number(connectorId), connectors[connectorId].wh);
      console.log(`REMOTESTOPPED ${connectorId}`);
    } catch (err) {
      fail('the remote stop', `${err.name}: ${err.message}`);
    }
  }, 50);
  return { status: 'Accepted' };
});
cli.handle('UnlockConnector', () => ({ status: 'Unlocked' }));
cli.handle('GetConfiguration', ({ params }) => ({ configurationKey: [], unknownKey: params.key || [] }));
cli.handle('GetLocalListVersion', () => ({ listVersion: 0 }));
cli.handle('SendLocalList', () => ({ status: 'Accepted' }));
cli.handle('ClearCache', () => ({ status: 'Accepted' }));
cli.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
cli.handle('TriggerMessage', () => ({ status: 'NotImplemented' }));
cli.handle(({ method }) => {
  throw createRPCError('NotImplemented', `${method} is not part of this test`);
});

async function run(line) {
  const [command, a, b, c, d] = line.split(' ');
  switch (command) {
    case 'AUTHORIZE': {
      const r = await cli.call('Authorize', { idTag: a });
      console.log(`AUTHORIZED ${a} ${r.idTagInfo.status}`);
      break;
    }
    case 'START': {
      const r = await start(Number(a), b, Number(c), d);
      console.log(`STARTED ${a} ${r.transactionId} ${r.idTagInfo.status}`);
      break;
    }
    case 'METER': {
      const con = connectors[Number(a)];
      con.wh = Number(b);
      await cli.call('MeterValues', {
        connectorId: Number(a), transactionId: con.tx,
        meterValue: [{ timestamp: c || isoNow(), sampledValue: [{ value: String(con.wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      });
      console.log(`METERED ${a}`);
      break;
    }
    case 'STOP': {
      await stop(Number(a), Number(b), c);
      console.log(`STOPPED ${a}`);
      break;
    }
    default:
      fail('an unknown command', line);
  }
}

async function main() {
  await cli.connect();
  const r = await cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'roaming' });
  if (r.status !== 'Accepted') {
    fail('boot', r);
  }
  await status(0, 'Available');
  await status(1, 'Available');
  await status(2, 'Available');
  console.log('BOOTED');

  const lines = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  await new Promise((resolve) => {
    lines.on('line', (line) => {
      if (line === 'QUIT') {
        lines.close();
        return;
      }
      queue = queue.then(() => run(line)).catch((err) => fail(line, `${err.name}: ${err.message}`));
    });
    lines.on('close', resolve);
  });
  await queue;
  await cli.close();
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  fail('the station', `${err.name}: ${err.message}`);
  process.exit(1);
});
