package quarry

// LATERAL subqueries (PostgreSQL): a subquery in FROM that reads the FROM
// items before it, so that it runs once per row of them. Its inner
// statement correlates with those items as a scalar subquery correlates
// with its enclosing statement: the tables they name leave its own FROM
// list.

// Lateral returns the subquery as a LATERAL one: JOIN LATERAL (SELECT ...)
// AS name. Its statement may refer to the FROM items joined before it,
// which it then reads row by row instead of listing them in its own FROM;
// this is the usual form of "the top N per group". Without an ON
// condition the join renders ON true. The latest two addresses of each
// user:
//
//	latest := quarry.Select(Addresses).
//		Where(Addresses.UserID.EqExpr(Users.ID)).
//		OrderBy(Addresses.ID.Desc()).Limit(2).
//		Subquery().Lateral()
//	rows, err := quarry.Select2(Users.Name, quarry.Ref(latest, Addresses.Email)).
//		Join(latest).All(ctx, db)
//	// SELECT users.name, anon_1.email FROM users JOIN LATERAL (SELECT
//	// addresses.id AS id, ... FROM addresses WHERE addresses.user_id =
//	// users.id ORDER BY addresses.id DESC LIMIT $1) AS anon_1 ON true
//
// The result is a new Subquery: refer to its columns with [Ref] on it (not
// on the receiver), or map an entity onto it with [Aliased] and
// [FromSubquery]. It joins wherever a Subquery does ([Query.Join],
// [Query.OuterJoin], [Query.JoinFrom]); a LEFT OUTER JOIN keeps the rows
// the subquery finds nothing for.
//
// LATERAL is PostgreSQL's: on a dialect without it (SQLite) a statement
// that uses one is an error wrapping [ErrUnsupported], returned before
// any SQL is sent. Lateral of a nil or zero Subquery is a zero one,
// which every statement refuses as it refuses s. A CTE cannot be lateral (it is defined once, outside
// the FROM clause): Lateral of one is an error when the statement is
// rendered.
func (s *Subquery) Lateral() *Subquery {
	src := s.fromSource()
	if src == nil {
		// Still a zero Subquery: every use of it is an error, as for s.
		return &Subquery{}
	}
	sub := *src.sub
	sub.lateral = true
	out := &source{sub: &sub, alias: src.alias, anonymous: src.anonymous, err: src.err}
	if sub.cte && out.err == nil {
		out.err = invalidArg("Lateral of a CTE: make the LATERAL subquery from the statement instead")
	}
	return &Subquery{src: out}
}

// isLateral reports whether a FROM source is a LATERAL subquery (or an
// entity alias over one).
func isLateral(s *source) bool {
	s = s.identity()
	return s.sub != nil && s.sub.lateral
}

// renderLateral writes LATERAL (SELECT ...) AS name. The inner statement
// correlates with left, the FROM items before it, and with the statements
// this one is nested in; not with the FROM items after it, which LATERAL
// cannot see.
func (b *builder) renderLateral(s *source, left []*source) {
	if !b.Caps.Lateral {
		b.Fail(&unsupportedError{what: "LATERAL", dialect: b.D.Name()})
		return
	}
	// The scope of the statement whose FROM this is holds the lateral
	// source itself; it gives way to the items before it.
	saved := b.enclosing
	stack := make([]map[*source]bool, 0, len(saved)+1)
	for _, m := range saved {
		if !m[s] {
			stack = append(stack, m)
		}
	}
	scope := make(map[*source]bool, len(left))
	for _, l := range left {
		scope[l.identity()] = true
	}
	b.enclosing = append(stack, scope)
	b.Write("LATERAL (")
	s.sub.core.renderStmt(b, true, true)
	b.enclosing = saved
	b.Write(") AS ")
	b.Ident(b.sourceName(s))
}
