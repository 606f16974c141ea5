package quickemu

import "sort"

// Retrievable returns the keys of the documents a principal could retrieve
// from the index that the last finished ingestion published (COMPLETED,
// or INCOMPLETE, which publishes what it ingested), sorted. The principal
// is a user's email address and the groups the user belongs to; either
// may be empty, so Retrievable(a, kb, "", []string{"Contractors"}) asks
// what the group grants. With access control off every ingested document
// is retrievable. Before any ingestion finished, nothing is.
func (s *Server) Retrievable(accountID, kbID, user string, groups []string) []string {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	kb, ok := s.kbs[kbKey{accountID, kbID}]
	if !ok {
		return nil
	}
	var published *ingestion
	for _, in := range kb.ingestions {
		if st := in.status(now); st == statusCompleted || st == statusIncomplete {
			published = in
		}
	}
	if published == nil {
		return nil
	}
	out := []string{}
	for key, entries := range published.result.docs {
		if kb.seed.AccessControl == ACLNone || canRetrieve(entries, user, groups) {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}
