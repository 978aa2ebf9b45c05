"""The platform's AWS CDK app (docs/architecture.md, Infrastructure): `python -m infra.app` or `npx aws-cdk@2 synth`."""
