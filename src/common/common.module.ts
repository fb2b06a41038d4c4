import { Global, Module } from '@nestjs/common';
import { BodyBudget } from './body-budget';
import { Clock } from './clock';

@Global()
@Module({ providers: [Clock, BodyBudget], exports: [Clock, BodyBudget] })
export class CommonModule {}
