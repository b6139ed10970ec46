package quarry

import "github.com/quarry-orm/quarry/internal/field"

// merge implements identityMap: it returns the one object of this
// Session for the row just read into obj. A row already present returns
// the object already there, unchanged, unless that object is expired (by
// Commit, Rollback or Refresh) and has no unflushed change, in which case
// its columns are refreshed from the row, or has columns expired by
// Expire or ExpireAll, which are refreshed unless changed since
// (session_expire.go). Rows are not refreshed otherwise, as in
// SQLAlchemy: within a transaction the Session's own view of an object
// wins.
func (s *Session) merge(t *table, obj field.Ptr, seq uint64) (field.Ptr, bool) {
	p, repeat, _ := s.mergeRow(t, obj, seq, runOptions{})
	return p, repeat
}

// revisit records that the held object st came back in the result seq,
// and under ForUpdate checks its version against the row in obj; repeat
// says the result had returned it already.
func (s *Session) revisit(st *objState, obj field.Ptr, seq uint64, o runOptions) (repeat bool, err error) {
	repeat = seq != 0 && st.result == seq
	if seq != 0 {
		st.result = seq
	}
	if o.lock {
		err = s.checkVersion(st, obj)
	}
	return repeat, err
}

// mergeRow is merge with the run options of the statement that read the
// row (statement_run.go): PopulateExisting overwrites the object, and
// ForUpdate checks its version first.
func (s *Session) mergeRow(t *table, obj field.Ptr, seq uint64, o runOptions) (field.Ptr, bool, error) {
	sm := s.sessionMeta(t)
	m := sm.tableMeta
	k := m.KeyOf(obj)
	st := s.ids.get(k)
	if st == nil {
		st = s.newState(m, obj)
		st.key = k
		st.status = statusPersistent
		st.snap = sm.snaps.Take(&sm.Table, obj)
		st.committed = st.snap
		st.result = seq
		s.ids.put(k, st)
		s.lastNew = st
		return obj, false, nil
	}
	repeat, err := s.revisit(st, obj, seq, o)
	if err != nil {
		return st.obj, repeat, err
	}
	if !o.populate {
		switch st.expired {
		case expireSoft:
			if m.Dirty(st.obj, st.snap) {
				s.refreshExpiredCols(st, obj)
				return st.obj, repeat, nil
			}
		case expireForce:
		case expireAll, expireCols, expireDeferred:
			s.refreshExpiredCols(st, obj)
			return st.obj, repeat, nil
		default:
			return st.obj, repeat, nil
		}
	}
	// obj was scanned for this call alone: copy it into the object the
	// program holds and keep obj itself as the snapshot.
	m.CopyColumns(st.obj, obj)
	if st.committed == st.snap {
		// Not written in this transaction: the row is the last
		// committed state as far as this Session knows.
		st.committed = obj
	}
	st.snap = obj
	st.expired = 0
	s.forgetExpiredCols(st)
	return st.obj, repeat, nil
}
