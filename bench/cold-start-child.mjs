/* global process, performance, console */
/**
 * One cold start, in a fresh Node process: load the function's bundle (or, for the floor,
 * just the AWS SDK's DynamoDB client), handle one request, print the timings as one JSON
 * line, exit. Plain JavaScript, so that nothing but the code under test is loaded.
 *
 *   node cold-start-child.mjs bundle <file URL of index.mjs>   (event in BENCH_EVENT)
 *   node cold-start-child.mjs bare <table>                      (DYNAMODB_ENDPOINT)
 */
const [mode, target] = process.argv.slice(2);
const started = performance.now();
let status;
let loadedAt;
if (mode === 'bundle') {
  const module = await import(target);
  loadedAt = performance.now();
  const deadline = Date.now() + 15_000;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: 'cold-start',
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const event = JSON.parse(process.env.BENCH_EVENT);
  event.requestContext.timeEpoch = Date.now();
  const response = await module.handler(event, context);
  status = response.statusCode;
} else {
  const { DynamoDBClient, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  loadedAt = performance.now();
  await client.send(
    new PutItemCommand({
      TableName: target,
      Item: { eventKey: { S: `bare:${process.pid}:${Date.now()}` } },
      ConditionExpression: 'attribute_not_exists(eventKey)',
    }),
  );
  status = 200;
}
const answeredAt = performance.now();
console.log(
  JSON.stringify({
    status,
    bootMs: started,
    loadMs: loadedAt - started,
    firstRequestMs: answeredAt - loadedAt,
    sinceProcessStartMs: answeredAt,
  }),
);
process.exit(0);
