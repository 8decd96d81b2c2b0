"""Deployments: deploy, rollback, undeploy; the guards on them; deployment history."""
