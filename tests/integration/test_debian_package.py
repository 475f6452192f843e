# SPDX-License-Identifier: Apache-2.0
"""The Debian package (issue 14 item 7), as CI builds it: `dpkg-buildpackage -us -uc -b` on a
copy of the tree makes sluice_*.deb; lintian finds no error in it; installed with `dpkg -i`
into a throwaway root (a copy-on-write overlay of this machine's /, in a mount namespace of
its own, chrooted into, so nothing of the host changes) it puts the binaries, the unit, man
pages, completion, docs and a commented example config in place, its maintainer scripts run,
the example passes `sluiced --check` and the unit `systemd-analyze verify`; `dpkg --purge`
takes it all away again."""

import os
import shutil
import subprocess
import textwrap

import pytest

from conftest import ROOT

TIMEOUT = 1200


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed (scripts/deps installs it)")


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    need("dpkg-buildpackage", "dh", "lintian")
    work = tmp_path_factory.mktemp("pkg")
    src = work / "sluice"
    # the tree as committed plus what is not yet, without build directories
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, src / f)
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, (p.stdout + p.stderr)[-5000:]
    debs = sorted(work.glob("sluice_*.deb"))
    assert len(debs) == 1, list(work.iterdir())
    return debs[0]


def test_contents(deb):
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    for path in ["./usr/sbin/sluiced", "./usr/sbin/sluicectl", "./usr/bin/sluice-decap",
                 "./lib/systemd/system/sluiced.service",
                 "./usr/share/man/man8/sluiced.8.gz", "./usr/share/man/man8/sluicectl.8.gz",
                 "./usr/share/man/man5/sluice.yaml.5.gz",
                 "./usr/share/bash-completion/completions/sluicectl",
                 "./usr/share/doc/sluice/operations.md.gz",
                 "./usr/share/doc/sluice/examples/sluice.yaml", "./etc/sluice/"]:
        assert path in listing, f"{path} not in the package:\n{listing}"
    assert "sluice-bench" not in listing and "bin/test_" not in listing


def test_lintian_finds_no_error(deb):
    p = subprocess.run(["lintian", "--no-tag-display-limit", str(deb)], capture_output=True,
                       text=True, timeout=600, stdin=subprocess.DEVNULL)
    errors = [line for line in p.stdout.splitlines() if line.startswith("E:")]
    assert not errors, p.stdout
    print(p.stdout)  # warnings, for the record


def test_install_in_a_throwaway_root(deb, tmp_path):
    ov = tmp_path / "ov"
    for d in ("upper", "work", "root"):
        (ov / d).mkdir(parents=True)
    shutil.copy(deb, tmp_path / "sluice.deb")
    inside = textwrap.dedent("""\
        set -e
        dpkg -i /tmp/sluice.deb
        dpkg -s sluice | grep -q '^Status: install ok installed'
        test -x /usr/sbin/sluiced && test -x /usr/sbin/sluicectl
        sluiced --check -c /usr/share/doc/sluice/examples/sluice.yaml
        sluicectl --help | grep -q 'import keepalived'
        man -w sluiced sluicectl sluice.yaml
        systemd-analyze verify /lib/systemd/system/sluiced.service
        dpkg --purge sluice
        test ! -e /usr/sbin/sluiced && test ! -e /lib/systemd/system/sluiced.service
        echo throwaway-install-ok
        """)
    (tmp_path / "inside.sh").write_text(inside)
    # A mount namespace of its own: the overlay and /proc in it vanish with the shell.
    outer = textwrap.dedent(f"""\
        set -e
        mount -t overlay overlay -o lowerdir=/,upperdir={ov}/upper,workdir={ov}/work {ov}/root
        mount -t proc proc {ov}/root/proc
        mount --bind /dev {ov}/root/dev
        cp {tmp_path}/sluice.deb {tmp_path}/inside.sh {ov}/root/tmp/
        chroot {ov}/root sh /tmp/inside.sh
        """)
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", outer],
                       capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert p.returncode == 0 and "throwaway-install-ok" in p.stdout, \
        (p.stdout + p.stderr)[-4000:]
    # the host saw none of it
    assert not os.path.exists("/usr/sbin/sluiced")
    shutil.rmtree(ov, ignore_errors=True)
