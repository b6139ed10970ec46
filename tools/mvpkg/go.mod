module github.com/quarry-orm/quarry/tools/mvpkg

go 1.26

require golang.org/x/tools v0.45.0

require (
	golang.org/x/mod v0.36.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
)
