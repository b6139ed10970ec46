package quarry

import (
	"context"
	"log/slog"
)

// logObserver is the statement echo of WithLogger: one record per
// statement, when it ends.
type logObserver struct {
	log   *slog.Logger
	level slog.Level
	args  bool
}

var _ ArgsObserver = (*logObserver)(nil)

func (l *logObserver) ObserveArgs() bool { return l.args }

func (l *logObserver) StatementStart(ctx context.Context, _ StatementInfo) context.Context {
	return ctx
}

func (l *logObserver) StatementEnd(ctx context.Context, info StatementInfo) {
	if !l.log.Enabled(ctx, l.level) {
		return
	}
	attrs := make([]slog.Attr, 0, 4)
	attrs = append(attrs, slog.String("sql", info.SQL))
	if l.args {
		attrs = append(attrs, slog.Any("args", info.Args))
	} else {
		attrs = append(attrs, slog.Int("nargs", info.NumArgs))
	}
	attrs = append(attrs, slog.Duration("duration", info.Duration))
	if info.Err != nil {
		attrs = append(attrs, slog.String("error", info.Err.Error()))
	}
	l.log.LogAttrs(ctx, l.level, "quarry", attrs...)
}
