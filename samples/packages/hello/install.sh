#!/bin/sh
# install.sh -- the "setup program" of the hello sample package, for `pcm --execute` on
# Linux: the PCM runs it through /bin/sh in the package directory on the distribution
# server, with WINDIR set to the workstation's Windows directory. Like a Windows setup
# program that reports through a status MIF, it "installs" (writes HELLO.TXT beside the
# Windows directory) and leaves HELLO.MIF in WINDIR, which the PCM takes as the job's
# status.
set -eu
: "${WINDIR:?WINDIR is set by the PCM}"
target="$WINDIR/../HELLO.TXT"
status=Success
description="Hello installed"
if ! printf 'Hello from package %s, installed by the PCM\n' "${1:-hello}" > "$target"; then
	status=Failed
	description="could not write $target"
fi
# the status MIF, written last (the PCM takes a MIF that appears after the start)
cat > "$WINDIR/HELLO.MIF.tmp" <<MIF
START COMPONENT
	NAME = "WORKSTATION"
	START GROUP
		NAME = "ComponentID"
		ID = 1
		CLASS = "DMTF|ComponentID|1.0"
		START ATTRIBUTE
			NAME = "Manufacturer"
			ID = 1
			ACCESS = READ-ONLY
			STORAGE = SPECIFIC
			TYPE = STRING(64)
			VALUE = "smsemu"
		END ATTRIBUTE
		START ATTRIBUTE
			NAME = "Product"
			ID = 2
			ACCESS = READ-ONLY
			STORAGE = SPECIFIC
			TYPE = STRING(64)
			VALUE = "Hello"
		END ATTRIBUTE
		START ATTRIBUTE
			NAME = "Version"
			ID = 3
			ACCESS = READ-ONLY
			STORAGE = SPECIFIC
			TYPE = STRING(64)
			VALUE = "1.0"
		END ATTRIBUTE
	END GROUP
	START GROUP
		NAME = "InstallStatus"
		ID = 2
		CLASS = "MICROSOFT|JOBSTATUS|1.0"
		START ATTRIBUTE
			NAME = "Status"
			ID = 1
			ACCESS = READ-ONLY
			STORAGE = SPECIFIC
			TYPE = STRING(32)
			VALUE = "$status"
		END ATTRIBUTE
		START ATTRIBUTE
			NAME = "Description"
			ID = 2
			ACCESS = READ-ONLY
			STORAGE = SPECIFIC
			TYPE = STRING(128)
			VALUE = "$description"
		END ATTRIBUTE
	END GROUP
END COMPONENT
MIF
mv "$WINDIR/HELLO.MIF.tmp" "$WINDIR/HELLO.MIF"
