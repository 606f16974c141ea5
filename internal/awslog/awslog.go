// Package awslog routes the AWS SDK's own log messages through logr.
package awslog

import (
	"fmt"

	"github.com/aws/smithy-go/logging"
	"github.com/go-logr/logr"
)

// NewLogger adapts a logr.Logger to the SDK's logger (aws.Config.Logger),
// so the SDK's own messages reach the manager's log stream as structured
// entries instead of plain "SDK ..." lines on stderr, which would sit
// among zap's JSON in a pod. Warnings are logged at info level with
// sdkLevel=warn; debug messages at V(1).
func NewLogger(l logr.Logger) logging.Logger { return sdkLogger{l} }

type sdkLogger struct{ l logr.Logger }

func (s sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if c == logging.Debug {
		s.l.V(1).Info(msg, "sdkLevel", string(c))
		return
	}
	s.l.Info(msg, "sdkLevel", string(c))
}
