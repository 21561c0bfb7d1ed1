"""The AWS services the handlers call besides DynamoDB: Lambda's durable APIs, SES, SSM."""
