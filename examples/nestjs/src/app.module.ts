import { GrowthChannelModule } from '@growth-channel/nestjs';
import { Module } from '@nestjs/common';
import { ShopController } from './shop.controller.js';

@Module({
  imports: [
    // The client reads GROWTH_CHANNEL_API_KEY and GROWTH_CHANNEL_BASE_URL from the environment.
    GrowthChannelModule.forRoot({
      secret: process.env.GC_COOKIE_SECRET || undefined,
      onError: (error) => console.warn(`Growth Channel (${error.code}): ${error.message}`),
    }),
  ],
  controllers: [ShopController],
})
export class AppModule {}
