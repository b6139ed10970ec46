package main

import (
	"encoding/json"
	"fmt"

	"github.com/quarry-orm/quarry"
)

// detachedObjects shows what happens to objects after their Session is
// closed: Add re-attaches them, and Merge saves a struct decoded from JSON.
func (t *tour) detachedObjects() error {
	ctx := t.ctx
	wendy, err := quarry.Select(Users).Where(Users.Name.Eq("wendy")).One(ctx, t.s)
	if err != nil {
		return err
	}
	t.say("Close lets go of the Session's objects: wendy is detached, and keeps her values.")
	if err := t.s.Close(ctx); err != nil {
		return err
	}
	wendy.Fullname = "Wendy Wilson"
	t.say("Adding her to a new Session re-attaches her: the flush UPDATEs the column changed while she was detached, and INSERTs nothing:")
	s := t.db.Session()
	defer s.Close(ctx)
	if err := s.Add(wendy); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	t.say("A web handler decodes JSON into a new struct instead. Merge finds the Session's object for its key (wendy, expired by Commit, so it is refreshed first), copies the decoded columns onto it, and the flush UPDATEs what differs:")
	body := fmt.Appendf(nil, `{"ID": %d, "Name": "wendy", "Fullname": "Wendy Williams", "Nickname": "windy"}`, wendy.ID)
	in := new(User)
	if err := json.Unmarshal(body, in); err != nil {
		return err
	}
	u, err := quarry.Merge(ctx, s, in)
	if err != nil {
		return err
	}
	t.say("Merge returns the Session's own object (%v), %v; the decoded struct stays outside the Session (%v).", u == wendy, u, !s.Contains(in))
	return s.Commit(ctx)
}
