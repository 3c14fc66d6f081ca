package config

import (
	"errors"
	"fmt"
	"os"
)

// SetEnvFileValue writes KEY=value into the .env file at path, as rotate-token writes the token:
// atomically (a temporary file renamed over it), every other line kept. The file holds a secret
// afterwards, so it is made readable by its owner only (0600) first; a new file is made so.
func SetEnvFileValue(path, key, value string) error {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return fmt.Errorf("read %s: %w", path, err)
	default:
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return fmt.Errorf("make %s readable by its owner only: %w", path, err)
			}
		}
	}
	return writeAtomic(path, replaceEnvValue(old, key, value))
}
