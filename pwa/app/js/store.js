// IndexedDB: the outbox of actions waiting to reach the server (in the order they were made)
// and a small key-value store (the last route, so the app opens offline).

const DB_NAME = "technician-app";
const DB_VERSION = 1;
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

// Run `fn(store)` in one transaction; resolves with the last request's result once it commits.
async function tx(name, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(name, mode);
    const req = fn(transaction.objectStore(name));
    transaction.oncomplete = () => resolve(req?.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/** Append an action; it gets the next sequence number. */
export const enqueue = (action) => tx("queue", "readwrite", (s) => s.add(action));
/** Every waiting action, oldest first. */
export const pending = () => tx("queue", "readonly", (s) => s.getAll());
export const remove = (seq) => tx("queue", "readwrite", (s) => s.delete(seq));
export const clearQueue = () => tx("queue", "readwrite", (s) => s.clear());

export const getItem = (key) => tx("kv", "readonly", (s) => s.get(key));
export const setItem = (key, value) => tx("kv", "readwrite", (s) => s.put(value, key));
export const clearItems = () => tx("kv", "readwrite", (s) => s.clear());
