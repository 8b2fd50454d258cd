module github.com/sim-lecture/sim

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0
	pgregory.net/rapid v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.6 // indirect
