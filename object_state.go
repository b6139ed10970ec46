package quarry

import (
	"weak"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// The state a Session keeps for each object it holds.

type objStatus uint8

const (
	statusDetached objStatus = iota
	statusPending
	statusPersistent
	statusDeleted // persistent and marked for deletion
	statusGone    // deleted in the database in this transaction
	statusRemoved // deleted in the database and committed: no longer in the Session
)

type expiry uint8

const (
	expireSoft  expiry = 1 // refresh on next load unless changed
	expireForce expiry = 2 // refresh on next load (Refresh)
)

// objState is what a Session knows about one object.
type objState struct {
	m   *tableMeta
	obj field.Ptr
	key identKey // set while persistent
	// snap holds the columns as last loaded or flushed: the base of the
	// dirty check. committed holds them as of the last commit, for
	// Rollback; nil for an object inserted in this transaction.
	snap, committed field.Ptr
	// The one-byte fields sit together, so that they share one word.
	status objStatus
	// inserted says the object's INSERT ran in this transaction.
	inserted bool
	expired  expiry
	// cascaded says a pending object came in through a save-update
	// cascade, not an explicit Add: it leaves the Session as an orphan
	// when nothing refers to it any more (relationship_flush.go).
	cascaded bool
	// filled lists the columns an INSERT filled in from the database
	// (generated key, server defaults, version), zeroed again when the
	// INSERT is undone.
	filled []*schema.Column
	// synced records what flushes of this transaction set on the object,
	// put back when the transaction is rolled back under the Session (its
	// INSERT undone, or a failed flush's rebase); nil for most objects, so
	// loaded rows do not pay for it.
	synced *flushSync
	seq    int // Add order
	// mark stamps the object as reached by the flush pass numbered
	// Session.markSeq.
	mark uint64
	// result is the stamp of the last Result that returned the object
	// (readCtx.seq).
	result uint64
	// alive tells whether the object is alive once the Session has let
	// go of it (detached.go): a weak pointer to the object, or to the
	// block a reader allocated it in; zero until needed.
	alive weak.Pointer[byte]
}

// flushSync is what flushes of the current transaction set on an object:
// foreign keys copied from parents or nulled (the columns in cols, their
// values before the first such flush in orig; for a pending object, a
// column that was zero is in objState.filled instead) and back-populated
// many-to-one fields (refs, put back unless the program set them since).
//
// Columns set while the object was pending are put back unconditionally:
// every flush sets them again from the collections that hold the object.
// Columns set while it was persistent (checked) are put back only while
// they still hold what the flush set (in set), since the program may have
// assigned them after.
type flushSync struct {
	orig    field.Ptr
	cols    []*schema.Column
	checked []*schema.Column
	set     field.Ptr
	refs    []pendingRef
	// one holds the first ref, the usual case, without a second
	// allocation.
	one [1]pendingRef
}

// pendingRef is a many-to-one field of an object as it was before a
// flush of the transaction set it (old), and what the flush set (set).
type pendingRef struct {
	r        *relationship
	old, set field.Ptr
}
