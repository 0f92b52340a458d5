// node-soap stub client for tests/e2e/test_wsdl_interop.py.
//
//   node client.js WSDL_URL LOGIN PASSWORD OPERATION [JSON_PARAMS]
//
// OPERATION "describe" prints {"operations": [names]} as the WSDL import produced them.
// Any other OPERATION is called with JSON_PARAMS (an object) and prints {"result": ...},
// or {"fault": {"faultcode", "faultstring", "detail"}} for a SOAP fault. Exit status 0 in
// both cases; anything else (the WSDL does not load, a transport error) is a non-zero exit
// with the error on stderr.
'use strict';

const soap = require('soap');

async function main() {
  const [wsdl, login, password, operation, json] = process.argv.slice(2);
  const params = JSON.parse(json || '{}');

  let client;
  try {
    client = await soap.createClientAsync(wsdl, { disableCache: true });
  } catch (e) {
    process.stderr.write(`WSDL import failed: ${e && e.stack || e}\n`);
    return 3;
  }
  client.setSecurity(new soap.BasicAuthSecurity(login, password));

  if (operation === 'describe') {
    const operations = [];
    for (const [, ports] of Object.entries(client.describe())) {
      for (const [, ops] of Object.entries(ports)) operations.push(...Object.keys(ops));
    }
    console.log(JSON.stringify({ operations }));
    return 0;
  }

  const method = client[operation + 'Async'];
  if (typeof method !== 'function') {
    process.stderr.write(`the WSDL gave no operation ${operation}\n`);
    return 2;
  }
  try {
    const [result] = await method.call(client, params);
    console.log(JSON.stringify({ result }));
    return 0;
  } catch (e) {
    const fault = e && e.root && e.root.Envelope && e.root.Envelope.Body && e.root.Envelope.Body.Fault;
    if (!fault) {
      const status = e && e.response ? ` (HTTP ${e.response.status})` : '';
      process.stderr.write(`transport error${status}: ${e && e.stack || e}\n`);
      return 4;
    }
    console.log(JSON.stringify({
      fault: {
        faultcode: fault.faultcode,
        faultstring: fault.faultstring,
        detail: fault.detail === undefined ? null : fault.detail,
        http: e.response ? e.response.status : null,
      },
    }));
    return 0;
  }
}

main().then((code) => { process.exitCode = code; },
            (e) => { process.stderr.write(`${e && e.stack || e}\n`); process.exitCode = 1; });
