import { openStore } from './src/store/open-store.js';
import pg from 'pg';
const url = 'postgres://postgres:pw@127.0.0.1:55432/prof?pool=8';
const admin = new pg.Client('postgres://postgres:pw@127.0.0.1:55432/postgres'); await admin.connect();
await admin.query('DROP DATABASE IF EXISTS prof WITH (FORCE)'); await admin.query('CREATE DATABASE prof');
const store = await openStore(url);
await store.createNamespace('bench', 'a'.repeat(64));
const DURATION = 5000;
let n = 0; const end = performance.now() + DURATION;
await Promise.all(Array.from({ length: 16 }, async (_, c) => {
  let i = 0;
  while (performance.now() < end) { await store.writeMessage('bench', `acct-${c}-${i % 50}`, { type: 'Deposited', data: { amount: i, currency: 'EUR' } }); i++; n++; }
}));
console.log('stream.write/s (store, 16 clients)', Math.round(n / (DURATION / 1000)));
// bare: one INSERT per transaction on 8 connections
const pool = new pg.Pool({ connectionString: url.split('?')[0], max: 8 });
await pool.query('CREATE TABLE bare (global_position bigserial primary key, stream_name text, position int8, data json, time timestamp default now(), id uuid unique default gen_random_uuid())');
let b = 0; const end2 = performance.now() + DURATION;
await Promise.all(Array.from({ length: 8 }, async (_, c) => { let i = 0; while (performance.now() < end2) { await pool.query('INSERT INTO bare (stream_name, position, data) VALUES ($1, $2, $3)', [`a-${c}`, i++, '{"amount":1}']); b++; } }));
console.log('bare INSERT/s (8 connections)', Math.round(b / (DURATION / 1000)));
await pool.end(); await store.close(); await admin.end();
