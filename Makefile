# The two commands of the README, and their parts.
.PHONY: demo test collection tarball

demo:            ## the whole HA upgrade against a simulated pair it starts itself
	scripts/demo.sh

test:            ## every test: cargo, module protocol under real Ansible, molecule scenarios
	scripts/test.sh

collection:      ## build/ansible_collections/ftd/ha_upgrade with release binaries
	scripts/build-collection.sh

tarball: collection
	.venv/bin/ansible-galaxy collection build build/ansible_collections/ftd/ha_upgrade --output-path build/ --force
