package quarry

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// A statement's shape is everything about it that its SQL text depends
// on: the tables, columns, aliases, operators and clauses, but not the
// values it binds. Two statements built separately with the same shape
// render the same SQL, so a DB renders each shape once and afterwards
// only collects the values of a new statement (shapeCache). This is what
// makes a statement built per call, as handlers do, as cheap to run as
// one built once.
//
// The shape key is written by a walk over the statement (shapeWriter)
// that knows the fields of each node kind it accepts; a node it does not
// know makes the statement unshaped, and it is rendered as before. The
// walk also collects the values in walk order, each with its origin (the
// node that binds it). Rendering the first statement of a shape records
// the origin of every bound value, which gives the argument order of the
// SQL in terms of walk slots (shapeEntry.perm), so the walk order need
// not be the render order, and a value bound by anything the walk did not
// see leaves the shape uncached.

// shapeCacheMax bounds the shapes a DB keeps. A program that makes
// shapes without end (IN lists of every length) clears the cache when it
// is full instead of growing it.
const shapeCacheMax = 4096

// shapeCache maps shape keys to SQL, for one DB and so one dialect.
type shapeCache struct {
	mu sync.RWMutex
	m  map[string]*shapeEntry
}

// shapeEntry is the rendered form of one shape.
type shapeEntry struct {
	sql string
	// perm gives, for each argument of sql, the walk slot it comes from.
	perm []int32
}

func (c *shapeCache) get(key []byte) *shapeEntry {
	c.mu.RLock()
	e := c.m[string(key)]
	c.mu.RUnlock()
	return e
}

func (c *shapeCache) put(key []byte, e *shapeEntry) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= shapeCacheMax {
		c.m = make(map[string]*shapeEntry)
	}
	c.m[string(key)] = e
	c.mu.Unlock()
}

// shapeIDs numbers mapped tables, so that keys name them without
// pointers (which the garbage collector may reuse).
var shapeIDs atomic.Uint64

func nextShapeID() uint64 { return shapeIDs.Add(1) }

// renderShaped renders a statement for the DB, through the statement's
// own cache and then the DB's shape cache.
func (db *DB) renderShaped(st statementNode) (*rendered, error) {
	core, ok := st.(*selectCore)
	if !ok || db.shapes == nil {
		return render(st, db.dialect)
	}
	d := db.dialect
	if r := core.cache.Load(); r != nil && r.d == d {
		return r, nil
	}
	w := shapeWriters.Get().(*shapeWriter)
	defer w.release()
	if !w.statement(core) {
		return render(st, d)
	}
	if e := db.shapes.get(w.key); e != nil {
		args := make([]any, len(e.perm))
		for i, p := range e.perm {
			args[i] = w.vals[p]
		}
		r := &rendered{d: d, sql: e.sql, args: args}
		core.cache.Store(r)
		return r, nil
	}
	b := newBuilder(d)
	b.params = core.params
	b.Trace = true
	core.renderStmt(b, false, false)
	r, err := b.result()
	if err != nil {
		return nil, statementError(st, err)
	}
	core.cache.Store(r)
	if perm, ok := w.permutation(b.Origins); ok {
		db.shapes.put(w.key, &shapeEntry{sql: r.sql, perm: perm})
	}
	return r, nil
}

// shapeWriter walks a statement into its shape key and its values.
type shapeWriter struct {
	key []byte
	// vals are the bound values in walk order; slots their origins.
	vals  []any
	slots []any
	// srcs numbers the FROM sources in the order the walk meets them:
	// the key names a source by that number, so two statements whose
	// aliases are distinct values of the same structure share a shape.
	srcs []*source
	ok   bool
}

var shapeWriters = sync.Pool{New: func() any { return &shapeWriter{key: make([]byte, 0, 256)} }}

func (w *shapeWriter) release() {
	if cap(w.key) > 1<<14 || cap(w.vals) > 1<<12 {
		return // let an outsized writer go rather than pin its memory
	}
	clear(w.vals)
	clear(w.slots)
	clear(w.srcs)
	w.key, w.vals, w.slots, w.srcs = w.key[:0], w.vals[:0], w.slots[:0], w.srcs[:0]
	shapeWriters.Put(w)
}

// permutation maps the origins of the arguments of a render to walk
// slots; false when an argument came from something the walk did not
// collect.
func (w *shapeWriter) permutation(origins []any) ([]int32, bool) {
	perm := make([]int32, len(origins))
	var index map[any]int32
	if len(w.slots) > 16 {
		index = make(map[any]int32, len(w.slots))
		for i := len(w.slots) - 1; i >= 0; i-- {
			index[w.slots[i]] = int32(i)
		}
	}
	for i, o := range origins {
		if o == nil {
			return nil, false
		}
		slot, found := int32(-1), false
		if index != nil {
			slot, found = index[o]
		} else {
			for j, s := range w.slots {
				if s == o {
					slot, found = int32(j), true
					break
				}
			}
		}
		if !found {
			return nil, false
		}
		perm[i] = slot
	}
	return perm, true
}

func (w *shapeWriter) tag(c byte) { w.key = append(w.key, c) }

func (w *shapeWriter) uint(n uint64) { w.key = binary.AppendUvarint(w.key, n) }

func (w *shapeWriter) bool(v bool) {
	if v {
		w.tag(1)
	} else {
		w.tag(0)
	}
}

func (w *shapeWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.key = append(w.key, s...)
}

// value collects a bound value; it adds only a tag to the key.
func (w *shapeWriter) value(origin, v any) {
	w.tag('?')
	w.vals = append(w.vals, v)
	w.slots = append(w.slots, origin)
}

func (w *shapeWriter) fail() { w.ok = false }

// statement walks a SELECT; false when it cannot be shaped.
func (w *shapeWriter) statement(c *selectCore) bool {
	w.ok = true
	if c.err != nil || c.from != nil || len(c.ctes) > 0 || c.params != nil {
		return false
	}
	w.tag('Q')
	w.nodes(c.items)
	w.uint(uint64(len(c.explicit)))
	for _, s := range c.explicit {
		w.source(s)
	}
	w.uint(uint64(len(c.joins)))
	for _, j := range c.joins {
		w.join(j)
	}
	w.nodes(c.where)
	w.nodes(c.groupBy)
	w.nodes(c.having)
	w.nodes(c.orderBy)
	w.nodes(c.distinctOn)
	w.bool(c.distinct)
	w.bool(c.cartesian)
	w.optInt(c.limit)
	w.optInt(c.offset)
	w.bool(c.run.lock)
	l := c.run.locking
	w.tag(byte(l.strength))
	w.tag(byte(l.wait))
	w.uint(uint64(len(l.of)))
	for _, s := range l.of {
		w.source(s)
	}
	return w.ok
}

func (w *shapeWriter) optInt(p *int64) {
	if p == nil {
		w.tag(0)
		return
	}
	w.value(p, *p)
}

// source names a FROM source: by number once met, by its table and
// alias the first time.
func (w *shapeWriter) source(s *source) {
	if s == nil {
		w.tag(0)
		return
	}
	for i, seen := range w.srcs {
		if seen == s {
			w.tag('s')
			w.uint(uint64(i))
			return
		}
	}
	if s.table == nil || s.sub != nil || s.over != nil || s.err != nil || s.table.ShapeID == 0 {
		w.fail()
		return
	}
	w.srcs = append(w.srcs, s)
	w.tag('S')
	w.uint(s.table.ShapeID)
	w.str(s.alias)
	w.bool(s.anonymous)
}

func (w *shapeWriter) join(j *joinSpec) {
	w.tag('J')
	w.source(j.target)
	w.source(j.left)
	w.nodes(j.on)
	w.bool(j.outer)
	switch r := j.rel.(type) {
	case nil:
		w.tag(0)
	case *relRef:
		w.relRef(r)
	default:
		w.fail()
	}
}

func (w *shapeWriter) relRef(r *relRef) {
	if r.rel == nil || r.rel.owner == nil || r.rel.owner.ShapeID == 0 {
		w.fail()
		return
	}
	w.tag('R')
	w.uint(r.rel.owner.ShapeID)
	w.str(r.rel.Name)
	w.source(r.parent)
	w.source(r.target)
	w.source(r.sec)
	w.nodes(r.extra)
}

func (w *shapeWriter) nodes(ns []node) {
	w.uint(uint64(len(ns)))
	for _, n := range ns {
		w.node(n)
		if !w.ok {
			return
		}
	}
}

// node writes one expression. Each case writes every field its render
// reads, in any order, tagged by the kind of node.
func (w *shapeWriter) node(n node) {
	switch x := n.(type) {
	case *colRef:
		if !x.src.table.is(x.info.Table) {
			w.fail()
			return
		}
		w.tag('c')
		w.source(x.src)
		w.uint(uint64(x.info.Index))
	case *valueNode:
		w.value(x, x.v)
	case *binaryNode:
		w.tag('b')
		w.str(x.op)
		w.node(x.left)
		w.node(x.right)
	case *boolNode:
		w.tag('&')
		w.str(x.op)
		w.nodes(x.items)
	case *notNode:
		w.tag('!')
		w.node(x.inner)
	case *postfixNode:
		w.tag('p')
		w.str(x.op)
		w.node(x.inner)
	case *inNode:
		if x.sub != nil {
			w.fail()
			return
		}
		w.tag('i')
		w.bool(x.not)
		w.node(x.left)
		w.nodes(x.items)
	case *numericNode:
		w.tag('N')
		w.node(x.inner)
	case *betweenNode:
		w.tag('B')
		w.node(x.inner)
		w.node(x.lo)
		w.node(x.hi)
	case *likeNode:
		w.tag('l')
		w.node(x.left)
		w.value(x, x.pattern)
	case *ilikeNode:
		w.tag('L')
		w.bool(x.not)
		w.node(x.left)
		w.node(x.right)
	case *labelNode:
		w.tag('a')
		w.str(x.name)
		w.node(x.inner)
	case orderTerm:
		w.tag('o')
		w.str(x.dir)
		w.str(x.nulls)
		w.node(x.n)
	case *funcNode:
		w.tag('f')
		w.str(x.name)
		w.bool(x.star)
		w.nodes(x.args)
	default:
		w.fail()
	}
}
