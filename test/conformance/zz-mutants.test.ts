import { PositionExistsError } from '../../src/errors.js';
import { EventStore } from '../../src/store/event-store.js';
import { createSqliteBackend } from '../../src/store/sqlite/index.js';
import type { StoreBackend } from '../../src/store/store.js';
import { runStoreConformance } from './suite.js';

type Mut = (b: StoreBackend) => Partial<StoreBackend>;
const mutants: Record<string, Mut> = {
  M01_noExpectedVersion: (b) => ({ write: (ns, m) => { const { expectedVersion: _e, ...rest } = m; return b.write(ns, rest); } }),
  M02_msTime: (b) => ({ write: (ns, m) => b.write(ns, { ...m, time: Math.floor(m.time / 1000) * 1000 }) }),
  M03_noGroup: (b) => ({ readCategory: (ns, c, o) => { const { consumerGroup: _g, ...rest } = o; return b.readCategory(ns, c, rest); } }),
  M04_noCorrelation: (b) => ({ readCategory: (ns, c, o) => { const { correlation: _g, ...rest } = o; return b.readCategory(ns, c, rest); } }),
  M05_noStreamLimit: (b) => ({ readStream: (ns, s, o) => b.readStream(ns, s, { ...o, limit: null }) }),
  M06_clashAlwaysId: (b) => ({ importBatch: async (ns, m, o) => { try { await b.importBatch(ns, m, o); } catch (e) { if (e instanceof PositionExistsError) throw new PositionExistsError(e.index, 'id', 'x'); throw e; } } }),
  M07_noClearFirst: (b) => ({ importBatch: (ns, m) => b.importBatch(ns, m) }),
  M08_zeroCount: (b) => ({ namespaceStats: async (ns) => ({ ...(await b.namespaceStats(ns)), messageCount: 0 }) }),
  M09_listUnsorted: (b) => ({ listNamespaces: async () => (await b.listNamespaces()).reverse() }),
  M10_deleteZero: (b) => ({ deleteNamespace: async (id) => ((await b.deleteNamespace(id)) === null ? null : 0) }),
  M11_catLimitOffByOne: (b) => ({ readCategory: (ns, c, o) => b.readCategory(ns, c, { ...o, limit: o.limit !== null && o.limit > 1 ? o.limit - 1 : o.limit }) }),
  M12_noCursor: (b) => ({ listStreams: (ns, o) => { const { after: _a, ...rest } = o; return b.listStreams(ns, rest); } }),
  M13_lastIgnoresType: (b) => ({ lastMessage: (ns, s) => b.lastMessage(ns, s) }),
  M14_nonAtomicImport: (b) => ({ importBatch: async (ns, m, o) => { for (const r of m) await b.importBatch(ns, [r], o); } }),
  M15_catStreamCount: (b) => ({ listCategories: async (ns) => (await b.listCategories(ns)).map((c) => ({ ...c, streamCount: c.messageCount })) }),
  M16_streamCountWrong: (b) => ({ namespaceStats: async (ns) => ({ ...(await b.namespaceStats(ns)), streamCount: 1 }) }),
  M17_lastActivityNull: (b) => ({ namespaceStats: async (ns) => ({ ...(await b.namespaceStats(ns)), lastActivity: null }) }),
  M18_tokenNoop: () => ({ setTokenHash: async () => undefined }),
  M19_readStreamFromGposIgnored: (b) => ({ readStream: (ns, s, o) => { const { fromGlobalPosition: _f, ...rest } = o; return b.readStream(ns, s, rest); } }),
  M20_catFromIgnored: (b) => ({ readCategory: (ns, c, o) => b.readCategory(ns, c, { ...o, fromGlobalPosition: 1 }) }),
};

for (const [name, mut] of Object.entries(mutants)) {
  runStoreConformance({
    name,
    supports: { persistent: false },
    factory: async () => {
      const b = createSqliteBackend({ inMemory: true });
      const m: StoreBackend = Object.assign(Object.create(b) as StoreBackend, b, mut(b));
      return new EventStore(m);
    },
  });
}
