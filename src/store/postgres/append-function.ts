/**
 * The append function each namespace schema holds: one group of appends (write.ts) in one
 * statement, so a group costs one round trip, as Message DB's `write_message` does.
 *
 * Called as a single `SELECT` in autocommit, it runs in its own transaction: it takes the
 * namespace's transaction-scoped advisory lock, checks the incarnation is current (else SQLSTATE
 * 22012, which write.ts turns into NAMESPACE_NOT_FOUND), reads the stream versions, the ids that
 * already exist and the sequence, decides each message's outcome in order, inserts the accepted
 * ones, moves the sequence, counts them in the registry and notifies the commit (notify.ts). The
 * lock is held until the implicit COMMIT, so commit order is global-position order (ADR 0005).
 *
 * In PL/pgSQL under READ COMMITTED every statement takes a new snapshot, so the statements after
 * the lock see every group committed before it, from any server process.
 *
 * Arguments, one group of n messages over s distinct streams:
 *   p_lock_key int          second argument of the namespace lock (schema.ts `lockKey`)
 *   p_ns_id, p_incarnation  the incarnation the caller resolved
 *   p_sequence regclass     the table's global-position sequence
 *   p_notify text           the notification payload without its range: `{"o":..,"n":..,"s":..`
 *   p_streams text[s]       the distinct stream names
 *   p_stream_of int[n]      each message's stream, an index into p_streams (1-based)
 *   p_ids uuid[n]           message ids
 *   p_repeated bool[n]      true when an earlier message of the group has the same id
 *   p_expected int8[n]      expected versions (NULL: none)
 *   p_times, p_types, p_datas, p_metas
 * Returns one row of three n-arrays: the outcome code (OUTCOME below) and, for an accepted
 * message, its position and global position; for a version conflict, the stream's version.
 *
 * The text is a `format` string: `%1$I` is the schema (so it holds no other `%`).
 */

/** The outcome codes the function returns per message. */
export const OUTCOME = {
  accepted: 0,
  versionConflict: 1,
  positionLimit: 2,
  globalPositionLimit: 3,
  duplicateId: 4,
} as const;

/** The function's DDL as a `format` string over the schema (`%1$I`). */
export function appendFunctionTemplate(
  registry: string,
  lockClass: number,
  channel: string,
  max: number,
): string {
  return `CREATE OR REPLACE FUNCTION %1$I.eventodb_append(
  p_lock_key int, p_ns_id text, p_incarnation text, p_sequence regclass, p_notify text,
  p_streams text[], p_stream_of int[], p_ids uuid[], p_repeated bool[], p_expected int8[],
  p_times timestamp[], p_types text[], p_datas json[], p_metas json[],
  OUT outcomes int[], OUT positions int8[], OUT globals int8[])
LANGUAGE plpgsql AS $fn$
DECLARE
  v_n int := cardinality(p_ids);
  v_versions int8[];
  v_taken bool[];
  v_last int8;
  v_first int8;
  v_actual int8;
  v_accepted int[] := '{}';
  v_accepted_ids uuid[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(${lockClass}, p_lock_key);
  PERFORM 1 FROM ${registry}.namespaces r WHERE r.id = p_ns_id AND r.incarnation = p_incarnation;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '22012', MESSAGE = 'namespace incarnation is not current';
  END IF;
  SELECT array_agg((SELECT m.position FROM %1$I.messages m WHERE m.stream_name = s.name
      ORDER BY m.position DESC LIMIT 1) ORDER BY s.ord)
    INTO v_versions FROM unnest(p_streams) WITH ORDINALITY AS s(name, ord);
  SELECT array_agg(EXISTS (SELECT 1 FROM %1$I.messages m WHERE m.id = u.id) ORDER BY u.ord)
    INTO v_taken FROM unnest(p_ids) WITH ORDINALITY AS u(id, ord);
  SELECT CASE WHEN q.is_called THEN q.last_value ELSE q.last_value - 1 END
    INTO v_last FROM %1$I.messages_global_position_seq q;
  v_first := v_last + 1;
  outcomes := array_fill(${OUTCOME.accepted}, ARRAY[v_n]);
  positions := array_fill(NULL::int8, ARRAY[v_n]);
  globals := array_fill(NULL::int8, ARRAY[v_n]);
  FOR i IN 1..v_n LOOP
    v_actual := coalesce(v_versions[p_stream_of[i]], -1);
    IF p_expected[i] IS NOT NULL AND p_expected[i] <> v_actual THEN
      outcomes[i] := ${OUTCOME.versionConflict};
      positions[i] := v_actual;
    ELSIF v_actual + 1 > ${max} THEN
      outcomes[i] := ${OUTCOME.positionLimit};
    ELSIF v_last + 1 > ${max} THEN
      outcomes[i] := ${OUTCOME.globalPositionLimit};
    ELSIF v_taken[i] OR (p_repeated[i] AND p_ids[i] = ANY (v_accepted_ids)) THEN
      outcomes[i] := ${OUTCOME.duplicateId};
    ELSE
      v_last := v_last + 1;
      v_versions[p_stream_of[i]] := v_actual + 1;
      positions[i] := v_actual + 1;
      globals[i] := v_last;
      v_accepted := v_accepted || i;
      v_accepted_ids := v_accepted_ids || p_ids[i];
    END IF;
  END LOOP;
  IF cardinality(v_accepted) > 0 THEN
    INSERT INTO %1$I.messages (global_position, position, time, stream_name, type, data, metadata, id)
      SELECT globals[a.i], positions[a.i], p_times[a.i], p_streams[p_stream_of[a.i]], p_types[a.i],
        p_datas[a.i], p_metas[a.i], p_ids[a.i]
      FROM unnest(v_accepted) AS a(i);
    -- setval is not transactional: if the commit fails, the sequence has only skipped numbers.
    PERFORM setval(p_sequence, v_last);
    UPDATE ${registry}.namespaces r SET message_count = r.message_count + cardinality(v_accepted)
      WHERE r.id = p_ns_id;
    PERFORM pg_notify('${channel}', p_notify || ',"a":' || v_first || ',"b":' || v_last || '}');
  END IF;
END
$fn$`;
}
