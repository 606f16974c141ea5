package quick

import "github.com/aws/smithy-go"

// member is one required input member and whether it is set.
type member struct {
	name string
	set  bool
}

func str(name string, v *string) member { return member{name, v != nil && *v != ""} }

// validateRequired reports missing required members as the SDK's generated
// validators do, with a *smithy.InvalidParamsError, before any request is
// sent: a missing label would otherwise build a path to the wrong resource.
func validateRequired(input string, set bool, members ...member) error {
	if !set {
		return &smithy.InvalidParamsError{Context: input}
	}
	errs := smithy.InvalidParamsError{Context: input}
	for _, m := range members {
		if !m.set {
			errs.Add(smithy.NewErrParamRequired(m.name))
		}
	}
	if errs.Len() > 0 {
		return &errs
	}
	return nil
}
