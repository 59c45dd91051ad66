package store

// SetAfterMigrationStep installs fn as the hook called after each step of a
// real migration run, for tests that inject a failure midway; the returned
// function removes it.
func SetAfterMigrationStep(fn func(step string) error) func() {
	afterMigrationStep = fn
	return func() { afterMigrationStep = nil }
}
