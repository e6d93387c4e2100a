"""The pre-commit hook, run by the real pre-commit (Debian's), in a throwaway git repo
that uses this repository's .pre-commit-hooks.yaml at its current commit."""
import os
import shutil
import subprocess
import unittest

import common


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)


class PreCommitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert shutil.which("pre-commit"), "pre-commit is not installed (scripts/install-deps.sh installs it)"
        cls.tmp = common.tempdir()
        root = cls.tmp.name
        # A copy of this repository with its working tree committed: pre-commit reads the
        # hooks file at a revision.
        cls.hooks = os.path.join(root, "hooks")
        shutil.copytree(common.SOURCE_DIR, cls.hooks, ignore=shutil.ignore_patterns("build", ".cache", ".git"))
        git(cls.hooks, "init", "-q")
        git(cls.hooks, "add", "-A")
        git(cls.hooks, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "hooks")
        rev = git(cls.hooks, "rev-parse", "HEAD").stdout.strip()
        cls.repo = os.path.join(root, "models")
        os.makedirs(cls.repo)
        git(cls.repo, "init", "-q")
        with open(os.path.join(cls.repo, ".pre-commit-config.yaml"), "w") as f:
            f.write(f"repos:\n- repo: {cls.hooks}\n  rev: {rev}\n  hooks:\n  - id: onnx-tidy\n")
        cls.fix_config = os.path.join(cls.repo, "fix-config.yaml")
        with open(cls.fix_config, "w") as f:
            f.write(f"repos:\n- repo: {cls.hooks}\n  rev: {rev}\n  hooks:\n  - id: onnx-tidy-fix\n")
        cls.env = dict(os.environ, PATH=os.path.dirname(common.BINARY) + os.pathsep + os.environ["PATH"],
                       PRE_COMMIT_HOME=os.path.join(root, "pre-commit-cache"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_hooks(self, model, *args):
        shutil.copy(os.path.join(common.SOURCE_DIR, "docs", "examples", model), os.path.join(self.repo, model))
        git(self.repo, "add", model, ".pre-commit-config.yaml")
        return subprocess.run(["pre-commit", "run", *args, "--files", model], cwd=self.repo, env=self.env,
                              capture_output=True, text=True)

    def test_the_readme_snippet_as_written_guards_commits(self):
        with open(os.path.join(common.SOURCE_DIR, "README.md")) as f:
            readme = f.read()
        snippet = readme.split("```yaml\nrepos:", 1)[1].split("```", 1)[0]
        rev = git(self.hooks, "rev-parse", "HEAD").stdout.strip()
        repo = os.path.join(self.tmp.name, "readme")
        os.makedirs(repo)
        git(repo, "init", "-q")
        with open(os.path.join(repo, ".pre-commit-config.yaml"), "w") as f:
            f.write("repos:" + snippet.replace("REPO_URL", self.hooks).replace("REV", rev))
        install = subprocess.run(["pre-commit", "install"], cwd=repo, env=self.env, capture_output=True, text=True)
        self.assertEqual(install.returncode, 0, install.stdout + install.stderr)
        shutil.copy(os.path.join(common.SOURCE_DIR, "docs", "examples", "bf16_weight_matmul.onnx"), repo)
        git(repo, "add", "-A")
        commit = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "m"],
                                cwd=repo, env=self.env, capture_output=True, text=True)
        self.assertNotEqual(commit.returncode, 0, "the hook let a conflicting model through")
        self.assertIn("operand-dtype-mismatch", commit.stdout + commit.stderr)
        self.assertEqual(git(repo, "rev-list", "--all").stdout, "")  # nothing was committed

    def test_the_fix_hook_repairs_the_model_in_place(self):
        proc = self.run_hooks("bf16_weight_matmul.onnx", "--config", self.fix_config)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)  # pre-commit: files were modified
        self.assertIn("files were modified by this hook", proc.stdout)
        check = common.run("check", os.path.join(self.repo, "bf16_weight_matmul.onnx"))
        self.assertEqual(check.returncode, 0, check.stdout)
        again = self.run_hooks("clean_mlp.onnx", "--config", self.fix_config)
        self.assertEqual(again.returncode, 0, again.stdout)

    def test_a_conflicting_model_fails_the_commit(self):
        proc = self.run_hooks("bf16_weight_matmul.onnx")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("onnx-tidy check", proc.stdout)
        self.assertIn("Failed", proc.stdout)
        self.assertIn("[operand-dtype-mismatch]", proc.stdout)

    def test_a_clean_model_passes(self):
        proc = self.run_hooks("clean_mlp.onnx")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("Passed", proc.stdout)


if __name__ == "__main__":
    common.main()
