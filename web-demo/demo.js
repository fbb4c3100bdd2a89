// The web demo: a notes app on KeystoneDB in OPFS, through the package's
// public API (`open` with storage 'opfs': the engine runs in the package's
// worker). This page only calls `db.send(operation, request)` with DynamoDB
// JSON, so every request here would work unchanged against DynamoDB.
import { open } from '/keystonedb/js/browser.js';

const NAME = 'notes';
const TABLE = 'Notes';
const statusLine = document.getElementById('status');
const list = document.getElementById('notes');
const demo = { status: 'loading', storage: 'opfs', database: NAME, notes: 0 };
window.kstoneDemo = demo;

function setStatus(status, text) {
  demo.status = status;
  document.body.dataset.status = status;
  statusLine.textContent = text;
}

async function ensureTable(db) {
  try {
    await db.send('DescribeTable', { TableName: TABLE });
  } catch (error) {
    if (error.name !== 'ResourceNotFoundException') throw error;
    await db.send('CreateTable', {
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
}

async function allNotes(db) {
  const items = [];
  let start;
  do {
    const page = await db.send('Scan', { TableName: TABLE, ...(start ? { ExclusiveStartKey: start } : {}) });
    items.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start);
  return items
    .map((item) => ({ id: item.id.S, text: item.text?.S ?? '', created: Number(item.created?.N ?? 0), done: item.done?.BOOL === true }))
    .sort((a, b) => b.created - a.created);
}

function noteElement(db, note) {
  const li = document.createElement('li');
  li.dataset.id = note.id;
  if (note.done) li.className = 'done';
  const done = document.createElement('input');
  done.type = 'checkbox';
  done.checked = note.done;
  done.title = 'done';
  done.addEventListener('change', () => act(db, 'UpdateItem', {
    TableName: TABLE,
    Key: { id: { S: note.id } },
    UpdateExpression: 'SET done = :d',
    ExpressionAttributeValues: { ':d': { BOOL: done.checked } },
  }));
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = note.text;
  const time = document.createElement('time');
  time.dateTime = new Date(note.created).toISOString();
  time.textContent = new Date(note.created).toLocaleString();
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = 'Delete';
  remove.addEventListener('click', () => act(db, 'DeleteItem', { TableName: TABLE, Key: { id: { S: note.id } } }));
  li.append(done, text, time, remove);
  return li;
}

async function render(db) {
  const notes = await allNotes(db);
  list.replaceChildren(...notes.map((note) => noteElement(db, note)));
  demo.notes = notes.length;
  setStatus('ready', `${notes.length} note${notes.length === 1 ? '' : 's'} in the OPFS database '${NAME}' ` +
    '(durability sync: every change is on disk before it shows).');
}

/** One write, then the list as the database now has it. */
async function act(db, operation, request) {
  try {
    await db.send(operation, request);
    await render(db);
  } catch (error) {
    setStatus('error', `${operation} failed: ${error.name}: ${error.message}`);
  }
}

function wireConsole(db) {
  document.getElementById('console').addEventListener('submit', async (event) => {
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
    try {
      const response = await db.send(document.getElementById('operation').value.trim(), request);
      output.className = '';
      output.textContent = JSON.stringify(response, null, 2);
    } catch (error) {
      output.className = 'error';
      output.textContent = `${error.name}: ${error.message}`;
    }
    await render(db).catch(() => {});
  });
}

async function main() {
  let db;
  try {
    db = await open(NAME, { storage: 'opfs', durability: 'sync' });
  } catch (error) {
    if (error.name === 'DatabaseLockedError') {
      setStatus('locked', 'These notes are open in another tab of this browser. Close it (or use that tab), then reload.');
      return;
    }
    throw error;
  }
  window.kstoneDb = db;
  await ensureTable(db);
  document.getElementById('add-note').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = document.getElementById('note-text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const created = Date.now();
    await act(db, 'PutItem', {
      TableName: TABLE,
      Item: {
        id: { S: `${created.toString(36)}-${Math.random().toString(36).slice(2, 8)}` },
        text: { S: text },
        created: { N: String(created) },
        done: { BOOL: false },
      },
      ConditionExpression: 'attribute_not_exists(id)',
    });
  });
  document.getElementById('export').addEventListener('click', async () => {
    const bytes = await db.export();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    link.download = `${NAME}.keystone`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
  wireConsole(db);
  await render(db);
}

main().catch((error) => {
  setStatus('error', `The database failed to open: ${error.name}: ${error.message}`);
  demo.error = { name: error.name, message: error.message };
  console.error(error);
});
