// The web demo: loads the wasm build of KeystoneDB, opens a database and runs
// a short DynamoDB walk-through through the engine's one door, `execute`.
// Each step shows its request and the engine's real response (or the
// DynamoDB-style error it returned), and a console sends any request.
import init, { Database, engineVersion } from '/keystonedb/pkg/kstone.js';

const statusLine = document.getElementById('status');
const stepsList = document.getElementById('steps');

const walkThrough = [
  ['CreateTable', {
    TableName: 'Music',
    AttributeDefinitions: [
      { AttributeName: 'Artist', AttributeType: 'S' },
      { AttributeName: 'SongTitle', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'Artist', KeyType: 'HASH' },
      { AttributeName: 'SongTitle', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  }],
  ['PutItem', {
    TableName: 'Music',
    Item: {
      Artist: { S: 'No One You Know' },
      SongTitle: { S: 'Call Me Today' },
      Year: { N: '2015' },
    },
  }],
  ['GetItem', {
    TableName: 'Music',
    Key: { Artist: { S: 'No One You Know' }, SongTitle: { S: 'Call Me Today' } },
  }],
];

function run(db, operation, request) {
  try {
    return { ok: true, response: JSON.parse(db.execute(operation, JSON.stringify(request))) };
  } catch (error) {
    return { ok: false, error: { name: error.name, message: error.message } };
  }
}

function showStep(operation, request, outcome) {
  const li = document.createElement('li');
  li.dataset.operation = operation;
  li.dataset.outcome = outcome.ok ? 'ok' : outcome.error.name;
  if (!outcome.ok) li.className = 'failed';
  const title = document.createElement('strong');
  title.textContent = operation;
  const req = document.createElement('pre');
  req.className = 'request';
  req.textContent = JSON.stringify(request, null, 2);
  const res = document.createElement('pre');
  res.className = 'response';
  res.textContent = outcome.ok
    ? JSON.stringify(outcome.response, null, 2)
    : `${outcome.error.name}: ${outcome.error.message}`;
  li.append(title, req, res);
  stepsList.append(li);
}

async function main() {
  await init({ module_or_path: new URL('/keystonedb/pkg/kstone_bg.wasm', import.meta.url) });
  const db = Database.openMemory();
  const results = [];
  for (const [operation, request] of walkThrough) {
    const outcome = run(db, operation, request);
    showStep(operation, request, outcome);
    results.push({ operation, ...outcome });
  }
  window.kstoneDemo = { engineVersion: engineVersion(), storage: 'memory', results };
  const failed = results.filter((r) => !r.ok).length;
  statusLine.textContent = `Engine ${engineVersion()} running in this page (in-memory database): ` +
    `${results.length - failed} of ${results.length} requests succeeded.`;
  document.body.dataset.status = 'done';

  document.getElementById('console').addEventListener('submit', (event) => {
    event.preventDefault();
    const output = document.getElementById('console-output');
    let request;
    try {
      request = JSON.parse(document.getElementById('request').value);
    } catch (error) {
      output.className = 'error';
      output.textContent = `Not JSON: ${error.message}`;
      return;
    }
    const outcome = run(db, document.getElementById('operation').value.trim(), request);
    output.className = outcome.ok ? '' : 'error';
    output.textContent = outcome.ok
      ? JSON.stringify(outcome.response, null, 2)
      : `${outcome.error.name}: ${outcome.error.message}`;
  });
}

main().catch((error) => {
  document.body.dataset.status = 'error';
  statusLine.textContent = `The engine failed to start: ${error.name}: ${error.message}`;
  window.kstoneDemo = { error: { name: error.name, message: error.message } };
  console.error(error);
});
