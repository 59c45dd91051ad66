// A small fleet of stations built on a third-party OCPP library (ocpp-rpc,
// strict mode: every call and answer checked against the official schemas
// of the station's version) for a firmware campaign run as a station job.
// ocpp/e2e_operations_test.go runs it:
//
//   node fleet.js URL PASSWORD IDENTITY:VERSION...
//
// URL is the endpoint without the identity; VERSION is 1.6 or 2.0.1. Every
// station connects, boots and answers UpdateFirmware, then reports
// FirmwareStatusNotification Downloading → Downloaded → Installing →
// Installed (with the requestId on 2.0.1); each keeps the local list it is
// sent and answers for it (GetConfiguration or GetVariables of its size,
// GetLocalListVersion, SendLocalList, ClearCache). The last station goes
// offline after its boot: it prints OFFLINE once closed and comes back (a
// reconnection, without a boot) when the line RECONNECT comes on stdin.
// Once every station installed, the script prints INSTALLED; on the line
// REPORT it prints each station's local list as LOCALLIST IDENTITY
// {"version", "updates", "entries"} (updates: the updateType of each
// SendLocalList; entries in OCPP 1.6's words) and DONE. It prints one line
// per check and a summary, and exits non-zero on any deviation.
'use strict';

const readline = require('readline');
const { RPCClient, createRPCError } = require('ocpp-rpc');

const [url, password, ...specs] = process.argv.slice(2);
if (specs.length < 2) {
  console.error('usage: node fleet.js URL PASSWORD IDENTITY:VERSION IDENTITY:VERSION...');
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

const installed = new Set();
let allInstalled;
const everyInstalled = new Promise((resolve) => { allInstalled = resolve; });

// lists holds each station's local authorization list, in OCPP 1.6's
// words whatever the version, which outlives a reconnection.
const lists = new Map();

// localList answers the local list's calls (the back office keeps each
// station's list in sync with its charge group): the configuration it asks
// for, the list's version, the list itself and ClearCache.
function localList(cli, identity, v201) {
  if (!lists.has(identity)) lists.set(identity, { version: 0, updates: [], entries: new Map() });
  const list = lists.get(identity);
  const config = { SendLocalListMaxLength: '250', LocalAuthListEnabled: 'true' };
  const variables = { 'LocalAuthListCtrlr.ItemsPerMessage': '250', 'LocalAuthListCtrlr.Enabled': 'true' };
  cli.handle('GetConfiguration', ({ params }) => {
    const keys = params.key && params.key.length > 0 ? params.key : Object.keys(config);
    return {
      configurationKey: keys.filter((k) => config[k]).map((key) => ({ key, readonly: true, value: config[key] })),
      unknownKey: keys.filter((k) => !config[k]),
    };
  });
  cli.handle('GetVariables', ({ params }) => ({
    getVariableResult: params.getVariableData.map((d) => {
      const value = variables[`${d.component.name}.${d.variable.name}`];
      const known = d.component.name === 'LocalAuthListCtrlr';
      return value === undefined
        ? { attributeStatus: known ? 'UnknownVariable' : 'UnknownComponent', component: d.component, variable: d.variable }
        : { attributeStatus: 'Accepted', attributeValue: value, component: d.component, variable: d.variable };
    }),
  }));
  cli.handle('GetLocalListVersion', () => (v201 ? { versionNumber: list.version } : { listVersion: list.version }));
  cli.handle('SendLocalList', ({ params }) => {
    const version = v201 ? params.versionNumber : params.listVersion;
    if (params.updateType === 'Differential' && version <= list.version) return { status: 'VersionMismatch' };
    if (params.updateType === 'Full') list.entries.clear();
    for (const e of params.localAuthorizationList || []) {
      const tag = v201 ? e.idToken.idToken : e.idTag;
      const info = v201 ? e.idTokenInfo : e.idTagInfo;
      if (!info) {
        list.entries.delete(tag);
        continue;
      }
      const parent = v201 ? info.groupIdToken && info.groupIdToken.idToken : info.parentIdTag;
      list.entries.set(tag, { idTag: tag, status: info.status, expiryDate: (v201 ? info.cacheExpiryDateTime : info.expiryDate) || '', parentIdTag: parent || '' });
    }
    list.version = version;
    list.updates.push(params.updateType);
    return { status: 'Accepted' };
  });
  cli.handle('ClearCache', () => ({ status: 'Accepted' }));
}

// station returns a client for identity speaking version that installs the
// firmware it is sent and keeps a local list.
function station(identity, version) {
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
  cli.on('badMessage', ({ error }) => check(`${identity}: no malformed message from the server`, false, String(error)));
  cli.handle('UpdateFirmware', ({ params }) => {
    const location = v201 ? params.firmware.location : params.location;
    check(`${identity} is sent the firmware`, /^https:\/\//.test(location), params);
    setImmediate(() => expect(`${identity} installs the firmware`, async () => {
      for (const status of ['Downloading', 'Downloaded', 'Installing', 'Installed']) {
        await cli.call('FirmwareStatusNotification', v201 ? { status, requestId: params.requestId } : { status });
      }
      installed.add(identity);
      check(`${identity} installed the firmware`, true);
      if (installed.size === specs.length) allInstalled();
    }));
    return v201 ? { status: 'Accepted' } : {};
  });
  localList(cli, identity, v201);
  cli.handle(({ method }) => {
    check(`${identity}: no unexpected command (${method})`, false);
    throw createRPCError('NotImplemented');
  });
  return cli;
}

async function boot(cli, identity, version) {
  await cli.connect();
  const r = version === '2.0.1'
    ? await cli.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-rpc', model: 'fleet' } })
    : await cli.call('BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'fleet' });
  check(`${identity} boots`, r.status === 'Accepted', r);
}

async function main() {
  const fleet = specs.map((spec) => {
    const [identity, version] = spec.split(':');
    return { identity, version, cli: station(identity, version) };
  });
  for (const s of fleet) {
    await expect(`${s.identity} boots`, () => boot(s.cli, s.identity, s.version));
  }
  const last = fleet[fleet.length - 1];
  await last.cli.close({ code: 1000, reason: 'network down' });
  const lines = readline.createInterface({ input: process.stdin });
  const reconnect = new Promise((resolve) => lines.on('line', (line) => line === 'RECONNECT' && resolve(true)));
  const report = new Promise((resolve) => lines.on('line', (line) => line === 'REPORT' && resolve(true)));
  console.log('OFFLINE');

  const back = await Promise.race([reconnect, new Promise((resolve) => setTimeout(() => resolve(false), 60000))]);
  check(`${last.identity} is told to come back`, back);
  if (back) {
    last.cli = station(last.identity, last.version);
    await expect(`${last.identity} reconnects`, () => last.cli.connect());
  }
  const done = await Promise.race([everyInstalled.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 30000))]);
  check('every station installed the firmware', done, [...installed]);
  console.log('INSTALLED');
  const reported = await Promise.race([report, new Promise((resolve) => setTimeout(() => resolve(false), 60000))]);
  check('the local lists are asked for', reported);
  for (const s of fleet) {
    const list = lists.get(s.identity);
    console.log(`LOCALLIST ${s.identity} ` + JSON.stringify({
      version: list.version, updates: list.updates, entries: [...list.entries.values()].sort((a, b) => a.idTag.localeCompare(b.idTag)),
    }));
  }
  console.log('DONE');
  lines.close();
  for (const s of fleet) {
    await s.cli.close({ code: 1000, reason: 'fleet done' });
  }
}

main()
  .catch((err) => check('fleet runs', false, String(err && err.stack || err)))
  .finally(() => {
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 && results.length > 0 ? 0 : 1);
  });
