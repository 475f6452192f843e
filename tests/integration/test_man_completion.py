# SPDX-License-Identifier: Apache-2.0
"""The man pages and the bash completion (issue 14 item 6): sluiced(8), sluicectl(8) and
sluice.yaml(5) render without a warning and name every command, option and config key there
is; `meson install` installs them and the completion; the completion, run by bash with
bash-completion as a user's shell runs it, offers every command and option, and the VIPs and
backends of a running sluiced."""

import re
import subprocess

import pytest

from conftest import BUILD, ROOT, SLUICECTL, VIP

MAN = ROOT / "docs" / "man"
COMPLETION = ROOT / "dist" / "sluicectl.bash"
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def man_text(page):
    """The page as man shows it, and groff's warnings."""
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", str(MAN / page)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    text = re.sub(r".\x08", "", p.stdout)  # no overstrikes
    return text.replace("\u2010", "-").replace("\u2212", "-"), p.stderr


def usage():
    return subprocess.run([str(SLUICECTL), "--help"], capture_output=True, text=True).stdout


def commands():
    """The commands of `sluicectl --help`: 'service add', 'list', ..."""
    out = []
    for line in usage().splitlines():
        m = re.match(r"  ([a-z]+(?: (?:add|set|del|show|apply|keepalived))?)\b", line)
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def long_options():
    return sorted(set(re.findall(r"(--[a-z][a-z-]+)", usage())))


@pytest.mark.parametrize("page", ["sluiced.8", "sluicectl.8", "sluice.yaml.5",
                                  "sluice-decap.8"])
def test_page_renders_clean(page):
    text, warnings = man_text(page)
    assert warnings == "", warnings
    assert "NAME" in text and "SEE ALSO" in text


def test_pages_name_everything():
    ctl, _ = man_text("sluicectl.8")
    cmds = commands()
    assert {"service add", "backend set", "list", "conns", "config apply",
            "import keepalived"} <= set(cmds), cmds
    for c in cmds:
        assert c in ctl, f"sluicectl(8) lacks the command {c!r}"
    for o in long_options():
        assert o in ctl, f"sluicectl(8) lacks the option {o}"
    d, _ = man_text("sluiced.8")
    help_ = subprocess.run([str(BUILD / "sluiced"), "--help"], capture_output=True,
                           text=True).stdout
    for o in re.findall(r"(--[a-z]+)", help_):
        assert o in d, f"sluiced(8) lacks {o}"
    y, _ = man_text("sluice.yaml.5")
    keys = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "config.md").read_text(),
                          re.M))
    assert len(keys) > 50, keys
    missing = sorted(k for k in keys if not re.search(rf"\b{k}\b", y))
    assert not missing, f"sluice.yaml(5) lacks {missing}"


def test_meson_installs_pages_and_completion(tmp_path):
    p = subprocess.run(["meson", "install", "-C", str(BUILD), "--no-rebuild", "--destdir",
                        str(tmp_path), "--quiet"], capture_output=True, text=True,
                       timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    got = {f.relative_to(tmp_path).as_posix().split("/share/", 1)[-1]
           for f in tmp_path.rglob("*") if f.is_file()}
    for want in ["man/man8/sluiced.8", "man/man8/sluicectl.8", "man/man5/sluice.yaml.5",
                 "man/man8/sluice-decap.8",
                 "bash-completion/completions/sluicectl"]:
        assert want in got, sorted(got)


def complete(line, env_socket=None):
    """What bash completes at the end of line (a command line starting with sluicectl)."""
    if not COMPLETION.exists() or not subprocess.run(["test", "-f", BASH_COMPLETION]).returncode == 0:
        pytest.skip("bash-completion is not installed (scripts/deps installs it)")
    words = line.split(" ")
    script = f"""
source {BASH_COMPLETION}
source {COMPLETION}
PATH={SLUICECTL.parent}:$PATH
COMP_LINE={line!r}
COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({" ".join(repr(w) for w in words)})
COMP_CWORD={len(words) - 1}
_sluicectl
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return sorted(x for x in p.stdout.splitlines() if x)


def test_completion_offers_every_command_and_option():
    top = complete("sluicectl ")
    for c in {c.split()[0] for c in commands()}:
        assert c in top, (c, top)
    assert complete("sluicectl service ") == ["add", "del", "set"]
    assert complete("sluicectl config ") == ["apply", "show"]
    assert complete("sluicectl import ") == ["keepalived"]
    assert set(complete("sluicectl -")) >= {"--socket", "--token-file", "--json", "--help"}
    assert "--scheduler" in complete(f"sluicectl service add {VIP}:80/tcp --sch")
    assert complete(f"sluicectl service add {VIP}:80/tcp --scheduler ") == \
        ["lc", "maglev", "rr", "sh", "wlc", "wrr"]
    assert complete("sluicectl service add X --client-address p") == ["proxy-v1", "proxy-v2"]
    assert complete("sluicectl backend set X Y --") == \
        ["--inhibit", "--json", "--max-conns", "--no-inhibit", "--weight"]
    # every long option of --help is offered somewhere
    offered = set()
    for ctx in ["sluicectl -", "sluicectl service add X -", "sluicectl service set X -",
                "sluicectl backend set X Y -", "sluicectl list -", "sluicectl conns -",
                "sluicectl stats -", "sluicectl defense set -",
                "sluicectl import keepalived k.conf -"]:
        offered |= set(complete(ctx))
    assert set(long_options()) <= offered, set(long_options()) - offered


def test_completion_asks_the_daemon_for_vips_and_backends(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    svc = f"{VIP}:80/tcp"
    assert complete(f"sluicectl -s {d.socket} backend set ") == [svc]
    assert complete(f"sluicectl -s {d.socket} backend set {svc} ") == \
        ["10.0.2.11:8080", "10.0.2.12:8080"]
    assert complete(f"sluicectl -s {d.socket} conns 10.0") == [svc]
