package field

// Ref is the access to a *C field (a many-to-one or one-to-one
// relationship), C being the related struct.
type Ref struct {
	Get func(obj Ptr) Ptr
	Set func(obj, val Ptr)
}

// RefAt returns the access to the *C field off bytes into an object.
func RefAt[C any](off uintptr) Ref {
	return Ref{
		Get: func(obj Ptr) Ptr { return Ptr(*(**C)(At(obj, off))) },
		Set: func(obj, val Ptr) { *(**C)(At(obj, off)) = (*C)(val) },
	}
}

// List is the access to a []*C field (a collection).
type List struct {
	// Items returns the elements, sharing the field's memory: they must be
	// neither modified nor kept.
	Items func(obj Ptr) []Ptr
	// SetItems stores a new slice holding vals.
	SetItems func(obj Ptr, vals []Ptr)
	IsNil    func(obj Ptr) bool
	SetNil   func(obj Ptr)
	// Add appends val.
	Add func(obj, val Ptr)
}

// ListAt returns the access to the []*C field off bytes into an object.
func ListAt[C any](off uintptr) List {
	slice := func(obj Ptr) *[]*C { return (*[]*C)(At(obj, off)) }
	return List{
		Items: func(obj Ptr) []Ptr { return Pointers(*slice(obj)) },
		SetItems: func(obj Ptr, vals []Ptr) {
			s := make([]*C, len(vals))
			for i, v := range vals {
				s[i] = (*C)(v)
			}
			*slice(obj) = s
		},
		IsNil:  func(obj Ptr) bool { return *slice(obj) == nil },
		SetNil: func(obj Ptr) { *slice(obj) = nil },
		Add: func(obj, val Ptr) {
			p := slice(obj)
			*p = append(*p, (*C)(val))
		},
	}
}
