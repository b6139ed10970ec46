package sqlite

import (
	"container/list"
	"context"
	"database/sql"
)

// stmtCacheSize bounds the prepared statements one connection keeps. A
// program has a few dozen statement shapes, so the bound is about memory
// on a program that builds SQL text without end (Text with literals), not
// about hit rates.
const stmtCacheSize = 128

// stmtCache is one connection's prepared statements, least recently used
// first out. SQLite compiles SQL text into a program on every prepare;
// for a read by key that compile is most of the CPU time, so the driver
// keeps the compiled program and only binds and steps it again.
//
// A cached statement is checked out while its rows are open: SQLite has
// one cursor per prepared statement, and a second query of the same text
// on the same connection (a loader's query while the outer result is
// still being read) would reset the first one's cursor. That second
// query prepares a statement of its own and finalizes it when done.
type stmtCache struct {
	byText map[string]*list.Element // of *cachedStmt
	lru    list.List                // front: most recently used
}

type cachedStmt struct {
	text  string
	stmt  *sql.Stmt
	inUse bool
}

// take returns the connection's prepared statement for text, preparing
// it on first use, and marks it in use until release is called. It
// returns a nil statement when that statement is already in use: the
// caller runs the text unprepared.
func (sc *stmtCache) take(ctx context.Context, c *sql.Conn, text string) (*cachedStmt, error) {
	if el, ok := sc.byText[text]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.inUse {
			return nil, nil
		}
		sc.lru.MoveToFront(el)
		cs.inUse = true
		return cs, nil
	}
	st, err := c.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if sc.byText == nil {
		sc.byText = make(map[string]*list.Element)
	}
	cs := &cachedStmt{text: text, stmt: st, inUse: true}
	sc.byText[text] = sc.lru.PushFront(cs)
	sc.evict()
	return cs, nil
}

// release ends a checkout.
func (sc *stmtCache) release(cs *cachedStmt) { cs.inUse = false }

// evict finalizes the least recently used statements over the bound,
// skipping those in use (they are finalized once they are evicted later).
func (sc *stmtCache) evict() {
	for el := sc.lru.Back(); el != nil && sc.lru.Len() > stmtCacheSize; {
		prev := el.Prev()
		if cs := el.Value.(*cachedStmt); !cs.inUse {
			cs.stmt.Close()
			delete(sc.byText, cs.text)
			sc.lru.Remove(el)
		}
		el = prev
	}
}

// closeAll finalizes every statement, before the connection closes.
func (sc *stmtCache) closeAll() {
	for el := sc.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).stmt.Close()
	}
	sc.byText = nil
	sc.lru.Init()
}
