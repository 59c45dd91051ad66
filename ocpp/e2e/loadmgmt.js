// Stations of one location whose power is limited, built on a third-party
// OCPP library (ocpp-rpc, strict mode: every call the server sends is
// checked against the official schemas of the station's version), for load
// management. ocpp/e2e_loadmgmt_test.go runs it:
//
//   node loadmgmt.js URL PASSWORD IDENTITY:VERSION:TAG...
//
// URL is the endpoint without the identity; VERSION is 1.6 or 2.0.1; TAG
// is the card the station charges with. Every station has one connector
// (EVSE 1 on 2.0.1). Every station connects and boots; once each holds a
// default profile (TxDefaultProfile) the script prints BOOTED and then
// follows its standard input: START N starts a transaction at the Nth
// station (from 0) and prints STARTED N TRANSACTIONID once it is answered;
// STOP N ends it and prints STOPPED N; REPORT prints EVENTS and a JSON
// list of what the stations did and were sent, in the order it happened,
// and DONE.
//
// Each event is {seq, identity, event, connectorId, transactionId} and, for
// a profile, {purpose, profileId, stackLevel, kind, limit, unit,
// numberPhases}: "start" once a transaction started (its ID known), "stop"
// before a transaction's end is sent, "received" when a SetChargingProfile
// arrives, "taken" when the station answers it Accepted and "refused" when
// it answers Rejected (a TxProfile for a transaction that does not run on
// that connector). A station answers SetChargingProfile only after a short
// while, as a busy controller does: what it may draw changes from the
// moment it hears a higher limit, but only once it answered for a lower
// one, and the delay keeps those two moments apart. It prints one line per
// check and a summary, and exits non-zero on any deviation.
'use strict';

const readline = require('readline');
const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, password, ...specs] = process.argv.slice(2);
if (specs.length < 1) {
  console.error('usage: node loadmgmt.js URL PASSWORD IDENTITY:VERSION:TAG...');
  process.exit(2);
}

// answerDelayMs is how long a station takes to answer SetChargingProfile.
const answerDelayMs = 100;

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

const isoNow = () => new Date().toISOString();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// events is what every station did and was sent, in order.
const events = [];
function record(identity, event, fields) {
  events.push({ seq: events.length + 1, identity, event, ...fields });
}

// profileOf flattens a SetChargingProfile of either version.
function profileOf(params, v201) {
  const p = v201 ? params.chargingProfile : params.csChargingProfiles;
  const schedule = v201 ? p.chargingSchedule[0] : p.chargingSchedule;
  const period = schedule.chargingSchedulePeriod[0];
  return {
    connectorId: v201 ? params.evseId : params.connectorId,
    transactionId: p.transactionId === undefined ? '' : String(p.transactionId),
    purpose: p.chargingProfilePurpose,
    profileId: v201 ? p.id : p.chargingProfileId,
    stackLevel: p.stackLevel,
    kind: p.chargingProfileKind,
    limit: period.limit,
    unit: schedule.chargingRateUnit,
    numberPhases: period.numberPhases === undefined ? 0 : period.numberPhases,
    periods: schedule.chargingSchedulePeriod.length,
  };
}

// station returns one station: its client, which answers the load
// management's profiles and the local list's calls, and its transaction.
function station(identity, version, tag) {
  const v201 = version === '2.0.1';
  const cli = new RPCClient({
    endpoint: url,
    identity,
    password,
    protocols: [v201 ? 'ocpp2.0.1' : 'ocpp1.6'],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
  });
  const s = { identity, version, v201, tag, cli, tx: null, seqNo: 0, hasDefault: false };
  cli.on('badMessage', ({ error }) => check(`${identity}: no malformed message from the server`, false, String(error)));
  cli.handle('SetChargingProfile', async ({ params }) => {
    const p = profileOf(params, v201);
    record(identity, 'received', p);
    await sleep(answerDelayMs);
    if (p.purpose === 'TxProfile' && (!s.tx || p.connectorId !== 1 || (p.transactionId !== '' && p.transactionId !== s.tx))) {
      record(identity, 'refused', p);
      return { status: 'Rejected' };
    }
    if (p.purpose === 'TxDefaultProfile') s.hasDefault = true;
    record(identity, 'taken', p);
    return { status: 'Accepted' };
  });
  // The local list's calls, which the back office may send at boot.
  cli.handle('GetConfiguration', ({ params }) => ({ configurationKey: [], unknownKey: params.key || [] }));
  cli.handle('GetVariables', ({ params }) => ({
    getVariableResult: params.getVariableData.map((d) => ({ attributeStatus: 'UnknownComponent', component: d.component, variable: d.variable })),
  }));
  cli.handle('GetLocalListVersion', () => (v201 ? { versionNumber: 0 } : { listVersion: 0 }));
  cli.handle('SendLocalList', () => ({ status: 'Accepted' }));
  cli.handle('ClearCache', () => ({ status: 'Accepted' }));
  cli.handle(({ method }) => {
    check(`${identity}: no unexpected command (${method})`, false);
    throw createRPCError('NotImplemented');
  });
  return s;
}

async function boot(s) {
  await s.cli.connect();
  const r = s.v201
    ? await s.cli.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-rpc', model: 'loadmgmt' } })
    : await s.cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'loadmgmt' });
  check(`${s.identity} boots`, r.status === 'Accepted', r);
}

// start starts a transaction at s's connector 1 and returns its ID.
async function start(s) {
  if (s.v201) {
    const transactionId = `LM-${s.identity}-${events.length}`;
    s.seqNo = 0;
    const r = await s.cli.call('TransactionEvent', {
      eventType: 'Started', timestamp: isoNow(), triggerReason: 'Authorized', seqNo: s.seqNo++,
      transactionInfo: { transactionId, chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: s.tag, type: 'ISO14443' },
    });
    check(`${s.identity} starts ${transactionId}`, r.idTokenInfo && r.idTokenInfo.status === 'Accepted', r);
    s.tx = transactionId;
  } else {
    const r = await s.cli.call('StartTransaction', { connectorId: 1, idTag: s.tag, meterStart: 0, timestamp: isoNow() });
    check(`${s.identity} starts transaction ${r.transactionId}`, r.idTagInfo.status === 'Accepted' && r.transactionId > 0, r);
    s.tx = String(r.transactionId);
  }
  record(s.identity, 'start', { connectorId: 1, transactionId: s.tx });
  return s.tx;
}

// stop ends s's transaction.
async function stop(s) {
  const tx = s.tx;
  record(s.identity, 'stop', { connectorId: 1, transactionId: tx });
  s.tx = null;
  if (s.v201) {
    const r = await s.cli.call('TransactionEvent', {
      eventType: 'Ended', timestamp: isoNow(), triggerReason: 'EVDeparted', seqNo: s.seqNo++,
      transactionInfo: { transactionId: tx, stoppedReason: 'EVDisconnected' }, evse: { id: 1, connectorId: 1 },
    });
    check(`${s.identity} ends ${tx}`, true, r);
  } else {
    const r = await s.cli.call('StopTransaction', { transactionId: Number(tx), meterStop: 5000, timestamp: isoNow(), reason: 'EVDisconnected' });
    check(`${s.identity} stops transaction ${tx}`, !r.idTagInfo || r.idTagInfo.status === 'Accepted', r);
  }
}

async function waitFor(what, cond, ms) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) {
      check(what, false);
      return false;
    }
    await sleep(10);
  }
  check(what, true);
  return true;
}

async function main() {
  const fleet = specs.map((spec) => {
    const [identity, version, tag] = spec.split(':');
    return station(identity, version, tag);
  });
  for (const s of fleet) {
    await expect(`${s.identity} boots`, () => boot(s));
  }
  await waitFor('every station holds a default profile', () => fleet.every((s) => s.hasDefault), 30000);
  console.log('BOOTED');

  const lines = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  const finished = new Promise((resolve) => {
    lines.on('line', (line) => {
      const [command, arg] = line.split(' ');
      const s = fleet[Number(arg)];
      queue = queue.then(async () => {
        switch (command) {
          case 'START':
            await expect(`${s.identity} starts`, async () => console.log(`STARTED ${arg} ${await start(s)}`));
            break;
          case 'STOP':
            await expect(`${s.identity} stops`, () => stop(s));
            console.log(`STOPPED ${arg}`);
            break;
          case 'REPORT':
            console.log('EVENTS ' + JSON.stringify(events));
            console.log('DONE');
            resolve(true);
            break;
          default:
            check(`a known command (${line})`, false);
        }
      });
    });
  });
  const reported = await Promise.race([finished, sleep(120000).then(() => false)]);
  check('the events are asked for', reported);
  lines.close();
  for (const s of fleet) {
    await s.cli.close({ code: 1000, reason: 'done' });
  }
}

main()
  .catch((err) => check('loadmgmt runs', false, String(err && err.stack || err)))
  .finally(() => {
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
